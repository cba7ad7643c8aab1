"""Two partner companies with every kind of object a route takes an id of, built through
the domain services as members and the club would produce them, and the table that fills
each URL argument of the URL map from them (see tests/test_route_access.py).

Only ids, codes and secrets are kept (`Side`, `World`): the walk builds URLs between
requests, and an ORM object would reload itself from the test's session each time.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.api import services as api
from club.api.models import ApiToken
from club.awards import services as awards
from club.awards.models import Distinction, MembershipCertificate
from club.catalog import services as catalog
from club.catalog.models import PrivilegeKind, Redemption, RedemptionStatus, Wish
from club.core.clock import utcnow
from club.core.mail import OUTBOX_KEY
from club.core.roles import Role
from club.events import services as events
from club.events.models import CalendarFeed, Registration
from club.events.services import MeetingData
from club.learning import services as learning
from club.learning.models import Attempt, Course
from club.learning.sync import sync_courses
from club.ledger import services as ledger
from club.ledger.models import Entry, Wallet
from club.members import services as members
from club.members.admission_models import AdmissionReview, MembershipChange
from club.members.models import Company, OneTimeLink, User
from club.members.tiers import ensure_default_tiers
from club.purchases import services as purchases
from club.purchases.csv_import import InvoiceRow
from club.rules import services as rules
from club.rules.models import RuleKind
from club.satisfaction import services as satisfaction
from club.satisfaction.models import CompanyPotential, Occasion, SurveyAnswer
from club.webhooks import endpoints as webhooks
from club.webhooks import outbox
from club.webhooks.models import WebhookDelivery

# A quarter long over, for the best partners and their diplomas.
AWARD_YEAR, AWARD_QUARTER = 2025, 3

COURSE_SLUG = "access-course"
# A 1 × 1 PNG: uploads are decoded and drawn anew, so it must be a real picture.
PICTURE = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xd0\x00\x00\x04\x81\x01\x80,U"
    b"\xce\xb0\x00\x00\x00\x00IEND\xaeB`\x82"
)
ATTACHMENT = "sheet.pdf"
COURSE_FILES = {
    "course.yaml": """\
        title: "Access course"
        language: en
        summary: A course every member may read.
        points: 40
        pass_mark: 50
        published: true
        """,
    "quiz.yaml": """\
        shuffle_questions: false
        questions:
          - id: first
            type: true_false
            text: "Is this the first question?"
            answer: true
          - id: second
            type: true_false
            text: "Is this the first question?"
            answer: false
        """,
    "lessons/01-one.md": f"""\
        ---
        title: "The only lesson"
        attachments:
          - file: {ATTACHMENT}
        ---
        Read me.
        """,
}


@dataclass
class Side:
    """One partner company and what its people produced, by id."""

    name: str
    company_id: int
    tax_id: str
    holder_id: int
    staff_id: int
    account_manager_id: int
    # Redemptions by status: the hold, its capture (fulfilled) and release (rejected,
    # cancelled) are the wallet's entries.
    redemption_ids: dict[str, int] = field(default_factory=dict)
    wish_id: int = 0
    # A published meeting open to this company only, with the staff member's seat and
    # the holder on the waitlist (capacity 1).
    meeting_id: int = 0
    registration_ids: dict[str, int] = field(default_factory=dict)
    ticket: str = ""
    feed_token: str = ""
    # The staff member passed the course (certificate code); the holder has one running.
    attempt_ids: dict[str, int] = field(default_factory=dict)
    course_pass_code: str = ""
    distinction_id: int = 0
    diploma_code: str = ""
    certificate_code: str | None = None
    invoice_number: str = ""
    token_id: int = 0
    token_secret: str = ""
    invitee_id: int = 0
    invitation_token: str = ""
    reset_token: str = ""
    # An admission awaiting the club manager's approval.
    review_id: int = 0
    # The satisfaction question: the holder's still open (asked when a redemption was
    # fulfilled), the staff member's answered with a comment only managers read.
    question_ids: dict[str, int] = field(default_factory=dict)

    @property
    def markers(self) -> tuple[str, ...]:
        """Texts only this company's people and its managers may read: a redemption's
        answers, a proposal's note, a correction's reason, an invited colleague's address."""
        texts = [f"{what}-of-{self.name}" for what in ("brief", "wish", "adjustment", "nps")]
        return (*texts, self.invitee_email)

    @property
    def invitee_email(self) -> str:
        return f"invitee-{self.name.lower()}@example.com"

    def person(self, role: Role | None) -> str:
        """Which of the company's two people matches a viewer: the holder's objects for
        a holder, the staff member's for everyone else."""
        return "holder" if role == Role.ACCOUNT_HOLDER else "staff"


@dataclass
class World:
    club_manager_id: int
    privilege_id: int
    privilege_slug: str
    course_slug: str
    integration_token_secret: str
    a: Side
    b: Side
    tier_id: int = 0
    webhook_id: int = 0
    delivery_id: int = 0
    voucher_privilege_id: int = 0
    rule_id: int = 0


def _link_token(session: Session, path: str) -> str:
    """The secret of the link just queued in a mail (the mail is the only place it is)."""
    body = session.info[OUTBOX_KEY][-1].body
    return re.search(rf"/{path}/([\w-]+)", body)[1]


def _meeting_data(company_id: int) -> MeetingData:
    start = (utcnow() + timedelta(days=10)).replace(tzinfo=None, second=0, microsecond=0)
    return MeetingData(
        title="Breakfast by invitation",
        format="business_breakfast",
        theme="Offices",
        description="Breakfast and a talk.",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/Warsaw",
        place="Warszawa",
        online_url="",
        capacity=1,
        seats_per_company=None,
        audience="invited",
        min_tier_id=None,
        invited_company_ids=[company_id],
        registration_opens_at=None,
        registration_closes_at=None,
        attendance_points=50,
        speakers=[],
    )


def _right_answers(attempt: Attempt) -> dict[str, list[str]]:
    version = attempt.quiz_version
    return {
        qid: ["true" if version.question(qid)["answer"] else "false"]
        for qid in attempt.question_ids
    }


def _build_side(session: Session, world_parts: dict, name: str, company: Company) -> Side:
    cm = session.get(User, world_parts["club_manager_id"])
    holder = session.scalar(
        select(User).where(User.company_id == company.id, User.role == Role.ACCOUNT_HOLDER)
    )
    staff = session.scalar(
        select(User).where(User.company_id == company.id, User.role == Role.PARTNER_STAFF)
    )
    side = Side(
        name=name,
        company_id=company.id,
        tax_id=company.tax_id,
        holder_id=holder.id,
        staff_id=staff.id,
        account_manager_id=company.account_manager_id,
    )
    privilege = world_parts["privilege"]

    # The wallet: points earned, and a correction by the club manager.
    wallet = ledger.wallet_for(session, company.id)
    ledger.earn(session, wallet, 2000, source=ledger.Source("test", f"fund-{name}"))
    ledger.adjust(session, wallet, 5, reason=f"adjustment-of-{name}", actor=cm)
    session.commit()

    # An invoice from the ERP (its purchase month is opened with it).
    side.invoice_number = f"FV/{name}/1"
    today = utcnow().date()
    purchases.record_invoices(
        session,
        [
            InvoiceRow(
                line=1,
                number=side.invoice_number,
                tax_id=company.tax_id,
                issue_date=today,
                due_date=today + timedelta(days=14),
                net_amount=Decimal("1000.00"),
                currency="PLN",
                paid_date=None,
                kind="invoice",
            )
        ],
    )
    session.commit()

    # Redemptions, one in each state.
    answers = {"topic": f"brief-of-{name}"}
    steps = {
        "requested": [],
        "approved": [RedemptionStatus.APPROVED],
        "in_progress": [RedemptionStatus.APPROVED, RedemptionStatus.IN_PROGRESS],
        "fulfilled": [RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED],
        "rejected": [RedemptionStatus.REJECTED],
        "cancelled": [RedemptionStatus.CANCELLED],
    }
    for state, moves in steps.items():
        redemption = catalog.redeem(session, privilege, actor=holder, answers=answers)
        for to in moves:
            actor = holder if to == RedemptionStatus.CANCELLED else cm
            catalog.move(session, redemption, to, actor=actor, note=f"note-{state}")
        session.commit()
        side.redemption_ids[state] = redemption.id

    # A good waiting to be shipped, and an e-voucher whose code the holder may reveal.
    good, voucher = world_parts["good"], world_parts["voucher"]
    delivery = catalog.Delivery(f"address-of-{name}", "+48 600 100 200")
    shipped = catalog.redeem(session, good, actor=holder, answers={}, delivery=delivery)
    catalog.move(session, shipped, RedemptionStatus.APPROVED, actor=cm)
    side.redemption_ids["good"] = shipped.id
    served = catalog.redeem(session, voucher, actor=holder, answers={})
    catalog.move(session, served, RedemptionStatus.APPROVED, actor=cm)
    side.redemption_ids["voucher"] = served.id
    session.commit()

    # A staff member's proposal to the holder.
    wish = catalog.propose(session, privilege, actor=staff, note=f"wish-of-{name}")
    session.commit()
    side.wish_id = wish.id

    # A meeting for this company only: the staff member's seat, the holder waiting.
    meeting = events.save_meeting(session, None, _meeting_data(company.id), actor=cm)
    events.publish(session, meeting, actor=cm)
    session.commit()
    side.meeting_id = meeting.id
    for person in (staff, holder):
        registration = events.register(session, meeting, person, actor=person)
        session.commit()
        side.registration_ids[side.person(person.role)] = registration.id
    side.ticket = events.ticket_token(session.get(Registration, side.registration_ids["staff"]))
    side.feed_token = events.new_feed(session, staff)
    session.commit()

    # The course: the staff member passed (a certificate), the holder is in the quiz.
    course = session.scalar(select(Course).where(Course.slug == COURSE_SLUG))
    passed = learning.start_attempt(session, staff, course)
    session.flush()
    outcome = learning.submit_attempt(session, passed, _right_answers(passed))
    session.commit()
    side.attempt_ids["staff"] = passed.id
    side.course_pass_code = outcome.course_pass.code
    running = learning.start_attempt(session, holder, course)
    session.commit()
    side.attempt_ids["holder"] = running.id

    # The holder's personal API token.
    token, side.token_secret = api.create_token(
        session, name=f"Token of {name}", scopes=api.PERSONAL_SCOPES, actor=holder, user=holder
    )
    session.flush()
    side.token_id = token.id
    session.commit()

    # A colleague invited by the holder who has not accepted yet, and a password reset
    # the staff member asked for.
    invitee = members.invite(
        session,
        email=side.invitee_email,
        name=f"Invitee {name}",
        role=Role.PARTNER_STAFF,
        company=company,
        language="en",
        actor=holder,
    )
    side.invitee_id = invitee.id
    side.invitation_token = _link_token(session, "invitation")
    session.commit()
    members.request_password_reset(session, email=staff.email, ip="192.0.2.1")
    side.reset_token = _link_token(session, "password/reset")
    # The satisfaction question and the account manager's estimate of the company.
    side.question_ids["holder"] = satisfaction.open_question(session, holder).id
    asked = satisfaction.offer(session, staff, Occasion.MEETING, meeting.id)
    satisfaction.answer(session, staff, asked, score=9, comment=f"nps-of-{name}")
    side.question_ids["staff"] = asked.id
    satisfaction.set_potential(
        session,
        company,
        year=2026,
        currency="PLN",
        amount=Decimal("250000"),
        actor=session.get(User, company.account_manager_id),
    )
    session.commit()
    review = AdmissionReview(company_id=company.id, points=150, reached_on=utcnow().date())
    session.add(review)
    session.commit()
    side.review_id = review.id
    return side


def build_world(session: Session, club, courses_folder: Path) -> World:
    """The `club` fixture's two companies, each with one of everything."""
    cm = club.club_manager
    lowest_tier = ensure_default_tiers(session)[0]
    privilege = catalog.save_privilege(
        session,
        None,
        actor=cm,
        title="Copywriting",
        points_cost=100,
        category="marketing",
        money_value=Decimal("800.00"),
        brief=[{"key": "topic", "label": "Topic", "type": "text", "required": True}],
    )
    catalog.set_image(session, privilege, PICTURE, actor=cm)
    session.commit()

    folder = courses_folder / COURSE_SLUG
    for name, text in COURSE_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (folder / "lessons" / ATTACHMENT).write_bytes(b"%PDF-1.4 sheet")
    report = sync_courses(session, courses_folder)
    assert report.ok, [str(problem) for problem in report.problems]
    session.commit()

    good = catalog.save_privilege(
        session,
        None,
        actor=cm,
        title="Demo kit",
        points_cost=100,
        category="sales",
        kind=PrivilegeKind.GOOD,
        money_value=Decimal("300.00"),
        stock=10,
    )
    voucher = catalog.save_privilege(
        session,
        None,
        actor=cm,
        title="Gift card",
        points_cost=100,
        category="vouchers",
        kind=PrivilegeKind.E_VOUCHER,
        money_value=Decimal("100.00"),
    )
    catalog.load_pool(session, voucher, b"code,value\nCODE-A,100\nCODE-B,100\n", actor=cm)
    session.commit()
    parts = {"club_manager_id": cm.id, "privilege": privilege, "good": good, "voucher": voucher}
    a = _build_side(session, parts, "A", club.company)
    b = _build_side(session, parts, "B", club.other_company)

    # Q3 2025: A first, B second, final; their diplomas exist.
    awards.choose_best(
        session, AWARD_YEAR, AWARD_QUARTER, [club.company.id, club.other_company.id], cm
    )
    awards.finalise(session, AWARD_YEAR, AWARD_QUARTER, actor=cm)
    session.commit()
    for side in (a, b):
        distinction = session.scalar(
            select(Distinction).where(Distinction.company_id == side.company_id)
        )
        side.distinction_id, side.diploma_code = distinction.id, distinction.code
    # A's membership certificate is issued; B's is left to its first download, so the
    # walk meets the GET that issues it (see GET_WRITES in test_route_access.py).
    certificate = awards.issue_membership_certificate(session, club.company, actor=cm)
    session.commit()
    a.certificate_code = certificate.code

    _token, integration_secret = api.create_token(session, name="ERP", actor=cm)
    rule = rules.create_rule(session, _einvoice_rule(), actor=cm)
    session.commit()
    # A webhook endpoint with one delivery (the club's, not a company's: managers only).
    endpoint, _secret = webhooks.register(
        session, url="http://127.0.0.1:9/hooks", event_types=[outbox.COMPANY_ADMITTED], actor=cm
    )
    outbox.record(session, outbox.COMPANY_ADMITTED, [{"company": {"id": club.company.id}}])
    delivery_id = session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint.id))  # fmt: skip
    session.commit()
    return World(
        club_manager_id=cm.id,
        privilege_id=privilege.id,
        privilege_slug=privilege.slug,
        course_slug=COURSE_SLUG,
        integration_token_secret=integration_secret,
        a=a,
        b=b,
        tier_id=lowest_tier.id,
        webhook_id=endpoint.id,
        delivery_id=delivery_id,
        voucher_privilege_id=voucher.id,
        rule_id=rule.id,
    )


def _einvoice_rule() -> rules.RuleData:
    return rules.RuleData(
        kind=RuleKind.EINVOICE,
        name_en="E-invoices",
        name_pl="E-faktury",
        name_ru="Электронные счета",
        effective_from=utcnow().date() + timedelta(days=2),
        points=50,
    )


# --- what must not change when someone else tries ---------------------------------------


def state_of(session: Session, side: Side) -> dict:
    """The rows of one company a POST from another company must leave alone."""
    wallet = session.scalar(select(Wallet).where(Wallet.company_id == side.company_id))
    company = session.get(Company, side.company_id)
    people = [side.holder_id, side.staff_id, side.invitee_id]
    return {
        "wallet": (wallet.available, wallet.pending, wallet.held, wallet.shortfall),
        "entries": session.scalars(
            select(Entry.id).where(Entry.wallet_id == wallet.id).order_by(Entry.id)
        ).all(),
        "company": (
            company.name,
            company.status,
            company.account_manager_id,
            company.is_shown_on_boards,
        ),
        "redemptions": session.execute(
            select(Redemption.id, Redemption.status, Redemption.updated_at)
            .where(Redemption.company_id == side.company_id)
            .order_by(Redemption.id)
        ).all(),
        "wishes": session.execute(
            select(Wish.id, Wish.status).where(Wish.company_id == side.company_id)
        ).all(),
        "registrations": session.execute(
            select(
                Registration.id,
                Registration.status,
                Registration.checked_in_at,
                Registration.rating,
            )
            .where(Registration.company_id == side.company_id)
            .order_by(Registration.id)
        ).all(),
        "attempts": session.execute(
            select(Attempt.id, Attempt.status, Attempt.draft)
            .where(Attempt.user_id.in_(people))
            .order_by(Attempt.id)
        ).all(),
        "people": session.execute(
            select(User.id, User.is_active, User.role, User.session_generation, User.password_hash)
            .where(User.company_id == side.company_id)
            .order_by(User.id)
        ).all(),
        "links": session.execute(
            select(OneTimeLink.id, OneTimeLink.used_at)
            .where(OneTimeLink.user_id.in_(people))
            .order_by(OneTimeLink.id)
        ).all(),
        "tokens": session.execute(
            select(ApiToken.id, ApiToken.revoked_at).where(ApiToken.user_id.in_(people))
        ).all(),
        "feeds": session.execute(
            select(CalendarFeed.user_id, CalendarFeed.token_hash).where(
                CalendarFeed.user_id.in_(people)
            )
        ).all(),
        "admission": (
            company.status_since,
            company.is_pilot,
            session.execute(
                select(AdmissionReview.status, AdmissionReview.decided_at).where(
                    AdmissionReview.company_id == side.company_id
                )
            ).all(),
            session.scalars(
                select(MembershipChange.id).where(MembershipChange.company_id == side.company_id)
            ).all(),
        ),
        "satisfaction": session.execute(
            select(SurveyAnswer.id, SurveyAnswer.answered_at, SurveyAnswer.is_dismissed)
            .where(SurveyAnswer.company_id == side.company_id)
            .order_by(SurveyAnswer.id)
        ).all(),
        "potentials": session.execute(
            select(CompanyPotential.year, CompanyPotential.currency, CompanyPotential.amount)
            .where(CompanyPotential.company_id == side.company_id)
            .order_by(CompanyPotential.id)
        ).all(),
        "certificates": session.execute(
            select(MembershipCertificate.id).where(
                MembershipCertificate.company_id == side.company_id
            )
        ).all(),
    }


# --- filling URL arguments ----------------------------------------------------------------

# How an argument's object relates to companies.
PRIVATE = "private"  # belongs to one company (or one person of it)
SHARED = "shared"  # the same for every member: reachable from any company
SECRET = "secret"  # a link's secret: whoever holds it may use it, and see whose it is
VALUE = "value"  # not an object: a number or name the route parses


@dataclass(frozen=True)
class Fill:
    kind: str
    values: Callable[[World, Side, Role | None], list]
    reason: str = ""


def _private(values: Callable[[World, Side, Role | None], list]) -> Fill:
    return Fill(PRIVATE, values)


def _shared(reason: str, values: Callable[[World, Side, Role | None], list]) -> Fill:
    return Fill(SHARED, values, reason)


def _secret(reason: str, values: Callable[[World, Side, Role | None], list]) -> Fill:
    return Fill(SECRET, values, reason)


def _value(reason: str, *values) -> Fill:
    return Fill(VALUE, lambda world, side, role: list(values), reason)


PRIVILEGE_SLUG = _shared(
    "a privilege of the catalogue: every member may read it (and redeem or propose it)",
    lambda w, s, r: [w.privilege_slug],
)
PRIVILEGE_ID = _shared(
    "a privilege of the catalogue (the club manager's pages only)",
    lambda w, s, r: [w.privilege_id],
)
COURSE_SLUG_FILL = _shared(
    "a published course: every signed-in person may read it and take its quiz",
    lambda w, s, r: [w.course_slug],
)
# A code is the public proof of a certificate: the verification pages are public on
# purpose (anyone shown a diploma or certificate may check it).
CERTIFICATE_CODES = _shared(
    "a public verification code of a diploma or membership certificate",
    lambda w, s, r: [s.diploma_code, *([s.certificate_code] if s.certificate_code else [])],
)
COURSE_CODE = _shared(
    "a public verification code of a course certificate", lambda w, s, r: [s.course_pass_code]
)
# Secrets in links: whoever holds the link may use it, which is the point of sending it.
INVITATION = _secret(
    "the secret of an invitation link: holding it is the permission",
    lambda w, s, r: [s.invitation_token],
)
RESET = _secret(
    "the secret of a password-reset link: holding it is the permission",
    lambda w, s, r: [s.reset_token],
)
FEED = _secret(
    "the secret address of a person's calendar feed: holding it is the permission",
    lambda w, s, r: [s.feed_token],
)
TICKET = _secret(
    "a signed meeting ticket: the club manager scans it at the door (403 to everyone else)",
    lambda w, s, r: [s.ticket],
)

# Argument name -> how to fill it; a name used by routes for different things maps to
# {endpoint: Fill}. A rule with an argument (or endpoint) missing here fails the walk.
ARGUMENTS: dict[str, Fill | dict[str, Fill]] = {
    "company_id": _private(lambda w, s, r: [s.company_id]),
    "user_id": _private(lambda w, s, r: [s.staff_id, s.invitee_id]),
    "redemption_id": _private(lambda w, s, r: list(s.redemption_ids.values())),
    "wish_id": _private(lambda w, s, r: [s.wish_id]),
    "registration_id": _private(lambda w, s, r: [s.registration_ids[s.person(r)]]),
    "attempt_id": _private(lambda w, s, r: [s.attempt_ids[s.person(r)]]),
    "distinction_id": _private(lambda w, s, r: [s.distinction_id]),
    "token_id": _private(lambda w, s, r: [s.token_id]),
    "review_id": _private(lambda w, s, r: [s.review_id]),
    "question_id": _private(lambda w, s, r: [s.question_ids[s.person(r)]]),
    # API only (bearer tokens): a company by its tax id, an invoice by its number.
    "tax_id": _private(lambda w, s, r: [s.tax_id]),
    "number": _private(lambda w, s, r: [s.invoice_number]),
    "meeting_id": _shared(
        "a published meeting: every member may read it (the list shows them all); its "
        "audience decides who may register, not who may look",
        lambda w, s, r: [s.meeting_id],
    ),
    "tier_id": _shared(
        "a tier of the club (the club manager's tiers page only); the lowest, which can "
        "never be removed",
        lambda w, s, r: [w.tier_id],
    ),
    "rule_id": _shared(
        "an earning rule (the club manager's pages only)", lambda w, s, r: [w.rule_id]
    ),
    "endpoint_id": _shared(
        "a webhook endpoint of the club (the club manager's pages only)",
        lambda w, s, r: [w.webhook_id],
    ),
    "delivery_id": _shared(
        "a webhook delivery of the club (the club manager's pages only)",
        lambda w, s, r: [w.delivery_id],
    ),
    "privilege_id": {
        **dict.fromkeys(
            (
                "catalog_manage.edit_privilege",
                "catalog_manage.retire",
                "catalog_manage.move",
            ),
            PRIVILEGE_ID,
        ),
        "catalog_manage.pool": _shared(
            "an e-voucher of the catalogue (the club manager's pool page only)",
            lambda w, s, r: [w.voucher_privilege_id],
        ),
    },
    "slug": {
        "catalog.privilege": PRIVILEGE_SLUG,
        "catalog.image": PRIVILEGE_SLUG,
        "catalog.redeem": PRIVILEGE_SLUG,
        "catalog.propose": PRIVILEGE_SLUG,
        "learning.course": COURSE_SLUG_FILL,
        "learning.start": COURSE_SLUG_FILL,
        "learning.certificate": COURSE_SLUG_FILL,
        "learning.attachment": COURSE_SLUG_FILL,
        "learning.lesson": COURSE_SLUG_FILL,
        "learning.mark_read": COURSE_SLUG_FILL,
        "learning_manage.course": COURSE_SLUG_FILL,
        "learning_manage.reset": COURSE_SLUG_FILL,
    },
    "code": {"awards.verify": CERTIFICATE_CODES, "learning.verify_code": COURSE_CODE},
    "token": {
        "members.accept_invitation": INVITATION,
        "members.reset_password": RESET,
        "events.feed": FEED,
        "events_manage.scan": TICKET,
        "events_manage.scan_check_in": TICKET,
    },
    "kind": _value("a kind of club document (the club manager's publishing page)", "rules"),
    "year": _value("the awarded quarter's year", AWARD_YEAR),
    "quarter": _value("the awarded quarter", AWARD_QUARTER),
    "position": _value("the course's lesson", 1),
    "index": _value("a question of the attempt", 1),
    "filename": _value("the course lesson's attachment", ATTACHMENT),
    "anything": _value("the API's catch-all for unknown paths", "no/such/thing"),
}


def fill_for(argument: str, endpoint: str) -> Fill:
    found = ARGUMENTS.get(argument)
    if isinstance(found, dict):
        found = found.get(endpoint)
    if found is None:
        raise AssertionError(
            f"teach tests/access_world.py ARGUMENTS how to fill <{argument}> of {endpoint}"
        )
    return found
