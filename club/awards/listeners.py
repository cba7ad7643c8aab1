"""Awards listen to members: a company admitted gets its membership certificate at once
(numbered in the admission's transaction), not only on its first download."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from club.awards.services import issue_membership_certificate
from club.members.models import Company
from club.members.signals import company_admitted


@company_admitted.connect
def _issue_certificate(session: Session, *, company: Company, actor, now: datetime, **_kw):
    issue_membership_certificate(session, company, actor=actor, now=now)
