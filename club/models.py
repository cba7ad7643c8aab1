"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from club.api.models import ApiToken
from club.audit.models import AuditEntry
from club.awards import models as awards_models  # noqa: F401
from club.branding import models as branding_models  # noqa: F401
from club.catalog.models import Privilege, Redemption, RedemptionEvent, Wish
from club.consent.models import Acceptance, ConsentDocument
from club.events import models as events_models  # noqa: F401
from club.health.models import JobRun
from club.insight import models as insight_models  # noqa: F401
from club.leaderboard import models as leaderboard_models  # noqa: F401
from club.learning import models as learning_models  # noqa: F401
from club.ledger.models import Allocation, Entry, Hold, Lot, Wallet
from club.members.admission_models import AdmissionReview, AdmissionRules, MembershipChange
from club.members.models import Company, OneTimeLink, User
from club.portfolio.models import HealthScore, ScoreDigest, ScoreSetting
from club.privacy.models import Erasure
from club.purchases.models import (
    Invoice,
    PaymentReminder,
    PurchaseMonth,
)
from club.relations import models as relations_models  # noqa: F401
from club.rules import models as rules_models  # noqa: F401
from club.satisfaction.models import CompanyPotential, PotentialChange, SurveyAnswer
from club.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "Acceptance",
    "AdmissionReview",
    "AdmissionRules",
    "Allocation",
    "ApiToken",
    "AuditEntry",
    "Company",
    "CompanyPotential",
    "ConsentDocument",
    "Entry",
    "Erasure",
    "HealthScore",
    "Hold",
    "Invoice",
    "JobRun",
    "Lot",
    "MembershipChange",
    "OneTimeLink",
    "PaymentReminder",
    "PotentialChange",
    "Privilege",
    "PurchaseMonth",
    "Redemption",
    "RedemptionEvent",
    "ScoreDigest",
    "ScoreSetting",
    "SurveyAnswer",
    "User",
    "Wallet",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "Wish",
]
