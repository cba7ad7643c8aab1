"""Rules of the catalogue: what can be redeemed, by whom, and how a redemption moves.

Redeeming locks the privilege row (capacity and stock are counted under the lock), then
holds the points through the ledger (which locks the wallet): two tabs or API calls at
the same moment can neither oversell a privilege nor overspend a wallet. Lock order is
always privilege, then wallet.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog.errors import (
    BriefIncomplete,
    CapacityReached,
    CatalogError,
    InvalidTransition,
    PrivilegeUnavailable,
)
from club.catalog.models import (
    COUNTED_STATUSES,
    OPEN_STATUSES,
    Category,
    Privilege,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Wish,
    WishStatus,
)
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.mail import queue_mail
from club.core.periods import club_today
from club.core.roles import Role
from club.ledger import services as ledger
from club.ledger.errors import IdempotencyConflict
from club.members.models import Company, MembershipStatus, User
from club.members.standing import company_tier
from club.purchases.models import Invoice

QUESTION_TYPES = ("text", "textarea", "url", "date", "number")
MAX_ANSWER_LENGTH = 2000


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# --- availability ---------------------------------------------------------------------


def unavailable_reason(privilege: Privilege, *, today: date) -> str | None:
    """Why nobody can redeem the privilege today, or None."""
    if privilege.retired_at is not None:
        return _("This privilege has been retired.")
    if privilege.active_from and today < privilege.active_from:
        return _(
            "This privilege can be redeemed from %(date)s.", date=privilege.active_from.isoformat()
        )
    if privilege.active_until and today > privilege.active_until:
        return _(
            "This privilege could be redeemed until %(date)s.",
            date=privilege.active_until.isoformat(),
        )
    return None


@dataclass(frozen=True)
class Remaining:
    """What is left of a privilege's capacity this quarter and of its stock."""

    this_quarter: int | None
    in_stock: int | None

    @property
    def none_left(self) -> bool:
        return self.this_quarter == 0 or self.in_stock == 0


def remaining(session: Session, privilege: Privilege, *, today: date) -> Remaining:
    counted = (
        select(func.count())
        .select_from(Redemption)
        .where(Redemption.privilege_id == privilege.id, Redemption.status.in_(COUNTED_STATUSES))
    )
    quarter = None
    if privilege.capacity_per_quarter is not None:
        used = session.scalar(counted.where(Redemption.quarter == quarter_of(today)))
        quarter = max(privilege.capacity_per_quarter - used, 0)
    stock = None
    if privilege.stock is not None:
        stock = max(privilege.stock - session.scalar(counted), 0)
    return Remaining(quarter, stock)


# --- the brief ------------------------------------------------------------------------


def check_brief_definition(brief) -> list[dict]:
    """Validate the questions the club manager wrote for a privilege."""
    if not isinstance(brief, list):
        raise CatalogError(_("The brief must be a list of questions."), field="brief")
    keys = set()
    cleaned = []
    for question in brief:
        if not isinstance(question, dict):
            raise CatalogError(_("Each question needs a key and a label."), field="brief")
        key = str(question.get("key", "")).strip()
        label = str(question.get("label", "")).strip()
        kind = question.get("type", "text")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key) or not label or key in keys:
            raise CatalogError(
                _("Each question needs a unique key (a-z, 0-9, _) and a label."), field="brief"
            )
        if kind not in QUESTION_TYPES:
            raise CatalogError(
                _("Question types: %(types)s.", types=", ".join(QUESTION_TYPES)), field="brief"
            )
        keys.add(key)
        cleaned.append(
            {
                "key": key,
                "label": label[:200],
                "type": kind,
                "required": bool(question.get("required", True)),
            }
        )
    return cleaned


def check_answers(privilege: Privilege, answers: dict) -> dict[str, str]:
    """The partner's answers, cleaned; BriefIncomplete names each missing or bad one."""
    problems: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for question in privilege.brief:
        key, kind = question["key"], question.get("type", "text")
        value = str(answers.get(key) or "").strip()
        if not value:
            if question.get("required", True):
                problems[key] = _("Please answer this question.")
            continue
        if len(value) > MAX_ANSWER_LENGTH:
            problems[key] = _(
                "Keep the answer under %(count)d characters.", count=MAX_ANSWER_LENGTH
            )
        elif kind == "url" and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", value):
            problems[key] = _("Enter an address starting with http:// or https://.")
        elif kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                problems[key] = _("Enter a date like 2026-11-03.")
        elif kind == "number":
            try:
                Decimal(value.replace(",", "."))
            except ArithmeticError:
                problems[key] = _("Enter a number.")
        cleaned[key] = value
    if problems:
        raise BriefIncomplete(_("Some answers are missing or need a correction."), problems)
    return cleaned


# --- redeeming ------------------------------------------------------------------------


def _lock_privilege(session: Session, privilege: Privilege) -> Privilege:
    return session.execute(
        select(Privilege)
        .where(Privilege.id == privilege.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _by_key(session: Session, key: str | None) -> Redemption | None:
    if key is None:
        return None
    return session.scalar(select(Redemption).where(Redemption.idempotency_key == key))


def redeem(
    session: Session,
    privilege: Privilege,
    *,
    actor: User,
    answers: dict,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Redemption:
    """The account holder spends the company's points: a hold, then the queue."""
    now = now or utcnow()
    if actor.role != Role.ACCOUNT_HOLDER or actor.company_id is None:
        raise NotAllowed(_("Only your company's account holder can redeem points."))
    company = actor.company
    if company.status != MembershipStatus.MEMBER:
        raise NotAllowed(_("Only member companies can redeem points."))
    privilege = _lock_privilege(session, privilege)
    # Checked under the lock, so a replay racing the first request finds it.
    if (existing := _by_key(session, idempotency_key)) is not None:
        if existing.company_id != company.id or existing.privilege_id != privilege.id:
            raise IdempotencyConflict(_("This request key was already used for something else."))
        return existing
    today = club_today(now)
    if (reason := unavailable_reason(privilege, today=today)) is not None:
        raise PrivilegeUnavailable(reason)
    if privilege.min_tier and company_tier(session, company) != privilege.min_tier:
        raise PrivilegeUnavailable(
            _("This privilege is for %(tier)s members only.", tier=privilege.min_tier)
        )
    cleaned = check_answers(privilege, answers)
    left = remaining(session, privilege, today=today)
    if left.this_quarter == 0:
        raise CapacityReached(_("This privilege is fully booked this quarter."))
    if left.in_stock == 0:
        raise CapacityReached(_("This privilege is out of stock."))
    wallet = ledger.wallet_for(session, company.id)
    hold = ledger.hold(
        session,
        wallet,
        privilege.points_cost,
        source=ledger.Source("privilege", str(privilege.id)),
        actor=actor,
        reason=privilege.title,
        now=now,
    )
    redemption = Redemption(
        privilege_id=privilege.id,
        company_id=company.id,
        hold_id=hold.id,
        requested_by_id=actor.id,
        points=privilege.points_cost,
        money_value=privilege.money_value,
        quarter=quarter_of(today),
        answers=cleaned,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    session.add(redemption)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise IdempotencyConflict(
            _("This request key was already used for something else.")
        ) from None
    session.add(
        RedemptionEvent(
            redemption_id=redemption.id,
            status=RedemptionStatus.REQUESTED,
            actor_id=actor.id,
            created_at=now,
        )
    )
    session.flush()
    _notify(session, redemption, RedemptionStatus.REQUESTED, note="")
    for manager in session.scalars(
        select(User).where(User.role == Role.CLUB_MANAGER, User.is_active.is_(True))
    ):
        queue_mail(
            session,
            to=manager.email,
            template="redemption_new",
            locale=manager.language,
            redemption=redemption,
            user=manager,
        )
    return redemption


# --- moving a redemption ------------------------------------------------------------

TRANSITIONS = {
    RedemptionStatus.REQUESTED: {
        RedemptionStatus.APPROVED,
        RedemptionStatus.REJECTED,
        RedemptionStatus.CANCELLED,
    },
    RedemptionStatus.APPROVED: {
        RedemptionStatus.IN_PROGRESS,
        RedemptionStatus.FULFILLED,
        RedemptionStatus.REJECTED,
    },
    RedemptionStatus.IN_PROGRESS: {RedemptionStatus.FULFILLED, RedemptionStatus.REJECTED},
}


def move(
    session: Session,
    redemption: Redemption,
    to: RedemptionStatus,
    *,
    actor: User,
    note: str = "",
    now: datetime | None = None,
) -> Redemption:
    """One step along the timeline; fulfilled captures the points, the exits release
    them. Repeating the step just taken (a double click) changes nothing."""
    now = now or utcnow()
    redemption = session.execute(
        select(Redemption)
        .where(Redemption.id == redemption.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if redemption.status == to:
        return redemption
    if to == RedemptionStatus.CANCELLED:
        if actor.role != Role.ACCOUNT_HOLDER or actor.company_id != redemption.company_id:
            raise NotAllowed(_("Only the company's account holder can cancel."))
    elif actor.role != Role.CLUB_MANAGER:
        raise NotAllowed(_("Only the club manager moves redemptions along."))
    if to not in TRANSITIONS.get(redemption.status, set()):
        raise InvalidTransition(
            _(
                "A redemption that is %(now)s cannot become %(to)s.",
                now=redemption.status.label,
                to=to.label,
            )
        )
    note = (note or "").strip()[:2000]
    if to == RedemptionStatus.REJECTED and not note:
        raise CatalogError(_("Say why it is rejected: the partner will read it."), field="note")
    if to == RedemptionStatus.FULFILLED:
        ledger.capture(session, redemption.hold, actor=actor, now=now)
        redemption.fulfilled_at = now
    elif to in (RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED):
        ledger.release(session, redemption.hold, actor=actor, reason=note, now=now)
    before = redemption.status
    redemption.status = to
    redemption.updated_at = now
    session.add(
        RedemptionEvent(
            redemption_id=redemption.id, status=to, actor_id=actor.id, note=note, created_at=now
        )
    )
    session.flush()
    audit.record(
        session,
        "redemption.moved",
        redemption,
        actor=actor,
        company_id=redemption.company_id,
        before={"status": before.value},
        after={"status": to.value, "note": note},
        now=now,
    )
    _notify(session, redemption, to, note=note)
    return redemption


def _notify(
    session: Session, redemption: Redemption, status: RedemptionStatus, *, note: str
) -> None:
    holder = session.scalar(
        select(User).where(
            User.company_id == redemption.company_id, User.role == Role.ACCOUNT_HOLDER
        )
    )
    if holder is None or not holder.is_active:
        return
    queue_mail(
        session,
        to=holder.email,
        template="redemption_status",
        locale=holder.language,
        redemption=redemption,
        status=status,
        note=note,
        user=holder,
    )


# --- wishes ---------------------------------------------------------------------------


def propose(
    session: Session,
    privilege: Privilege,
    *,
    actor: User,
    note: str = "",
    now: datetime | None = None,
) -> Wish:
    """A staff member asks their account holder to redeem a privilege."""
    now = now or utcnow()
    if actor.role not in (Role.PARTNER_STAFF, Role.ACCOUNT_HOLDER):
        raise NotAllowed(_("Only partner staff can propose privileges."))
    if (reason := unavailable_reason(privilege, today=club_today(now))) is not None:
        raise PrivilegeUnavailable(reason)
    wish = Wish(
        privilege_id=privilege.id,
        company_id=actor.company_id,
        proposed_by_id=actor.id,
        note=(note or "").strip()[:1000],
        created_at=now,
    )
    session.add(wish)
    session.flush()
    holder = session.scalar(
        select(User).where(User.company_id == actor.company_id, User.role == Role.ACCOUNT_HOLDER)
    )
    if holder is not None and holder.is_active and holder.id != actor.id:
        queue_mail(
            session,
            to=holder.email,
            template="wish_proposed",
            locale=holder.language,
            wish=wish,
            privilege=privilege,
            proposer=actor,
            user=holder,
        )
    return wish


def decide_wish(
    session: Session,
    wish: Wish,
    *,
    actor: User,
    redemption: Redemption | None,
    now: datetime | None = None,
) -> Wish:
    """The account holder turns a wish into a redemption, or declines it."""
    if actor.role != Role.ACCOUNT_HOLDER or actor.company_id != wish.company_id:
        raise NotAllowed(_("Only your company's account holder decides on proposals."))
    if wish.status != WishStatus.OPEN:
        return wish
    wish.status = WishStatus.REDEEMED if redemption is not None else WishStatus.DECLINED
    wish.redemption_id = redemption.id if redemption is not None else None
    wish.decided_at = now or utcnow()
    session.flush()
    return wish


# --- the club manager's catalogue -------------------------------------------------------


PRIVILEGE_FIELDS = (
    "title",
    "summary",
    "description",
    "category",
    "points_cost",
    "money_value",
    "currency",
    "sponsor",
    "sponsor_share_percent",
    "min_tier",
    "capacity_per_quarter",
    "stock",
    "lead_time_days",
    "active_from",
    "active_until",
    "brief",
)


CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def _slugify(title: str) -> str:
    table = str.maketrans("ąćęłńóśźżäöüß", "acelnoszzaous")
    lowered = "".join(CYRILLIC.get(ch, ch) for ch in title.lower())
    ascii_title = lowered.translate(table)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    return slug[:70] or "privilege"


def _check_privilege_fields(fields: dict, *, creating: bool) -> None:
    """The database's limits, as messages (API callers meet them too, not only forms)."""
    title = fields.get("title")
    if (creating or "title" in fields) and not (title and str(title).strip()):
        raise CatalogError(_("Give the privilege a title."), field="title")
    checks = (
        ("points_cost", 1, _("The cost must be at least 1 point.")),
        ("money_value", 0, _("The money value cannot be negative.")),
        ("lead_time_days", 0, _("The lead time cannot be negative.")),
        ("capacity_per_quarter", 0, _("The capacity cannot be negative.")),
        ("stock", 0, _("The stock cannot be negative.")),
        ("sponsor_share_percent", 0, _("The sponsor's share is between 0 and 100%.")),
    )
    for name, lowest, message in checks:
        value = fields.get(name)
        if value is not None and value < lowest:
            raise CatalogError(message, field=name)
    if (fields.get("sponsor_share_percent") or 0) > 100:
        raise CatalogError(
            _("The sponsor's share is between 0 and 100%."), field="sponsor_share_percent"
        )


def save_privilege(
    session: Session,
    privilege: Privilege | None,
    *,
    actor: User,
    now: datetime | None = None,
    **fields,
) -> Privilege:
    """Create or edit a privilege; redemptions already made keep their snapshot."""
    now = now or utcnow()
    fields["brief"] = check_brief_definition(fields.get("brief", []))
    _check_privilege_fields(fields, creating=privilege is None)
    if (
        fields.get("active_from")
        and fields.get("active_until")
        and (fields["active_until"] < fields["active_from"])
    ):
        raise CatalogError(_("The end date is before the start date."), field="active_until")
    creating = privilege is None
    if creating:
        base = _slugify(fields["title"])
        slug, number = base, 2
        while session.scalar(select(Privilege.id).where(Privilege.slug == slug)):
            slug, number = f"{base}-{number}", number + 1
        last = session.scalar(select(func.max(Privilege.position))) or 0
        privilege = Privilege(slug=slug, position=last + 1, created_at=now)
        session.add(privilege)
    before = {name: str(getattr(privilege, name, None)) for name in PRIVILEGE_FIELDS}
    for name in PRIVILEGE_FIELDS:
        if name in fields:
            setattr(privilege, name, fields[name])
    privilege.updated_at = now
    session.flush()
    after = {name: str(getattr(privilege, name)) for name in PRIVILEGE_FIELDS}
    old, new = audit.changes(before, after)
    audit.record(
        session,
        "privilege.created" if creating else "privilege.updated",
        privilege,
        actor=actor,
        before=None if creating else old,
        after=new,
        now=now,
    )
    return privilege


def retire(
    session: Session, privilege: Privilege, *, actor: User, now: datetime | None = None
) -> None:
    """Retired privileges leave the catalogue but stay in history."""
    if privilege.retired_at is None:
        privilege.retired_at = now or utcnow()
        audit.record(session, "privilege.retired", privilege, actor=actor, now=now)
        session.flush()


def move_in_catalogue(session: Session, privilege: Privilege, *, up: bool) -> None:
    """Swap with the neighbour above or below."""
    order = Privilege.position.desc() if up else Privilege.position
    neighbour = session.scalar(
        select(Privilege)
        .where(
            Privilege.position < privilege.position
            if up
            else Privilege.position > privilege.position
        )
        .order_by(order)
        .limit(1)
    )
    if neighbour is not None:
        privilege.position, neighbour.position = neighbour.position, privilege.position
        session.flush()


# --- reading --------------------------------------------------------------------------


def catalogue(
    session: Session,
    *,
    category=None,
    affordable_for: int | None = None,
    text: str = "",
    include_retired: bool = False,
):
    query = select(Privilege)
    if not include_retired:
        query = query.where(Privilege.retired_at.is_(None))
    if category is not None:
        query = query.where(Privilege.category == category)
    if affordable_for is not None:
        query = query.where(Privilege.points_cost <= affordable_for)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            func.lower(Privilege.title).like(pattern) | func.lower(Privilege.summary).like(pattern)
        )
    return query.order_by(Privilege.position, Privilege.id)


def queue_query(
    *,
    status: RedemptionStatus | None = None,
    privilege_id: int | None = None,
    company_id: int | None = None,
    older_than_days: int | None = None,
    now: datetime | None = None,
):
    now = now or utcnow()
    query = select(Redemption)
    if status is not None:
        query = query.where(Redemption.status == status)
    if privilege_id:
        query = query.where(Redemption.privilege_id == privilege_id)
    if company_id:
        query = query.where(Redemption.company_id == company_id)
    if older_than_days:
        query = query.where(Redemption.created_at < now - timedelta(days=older_than_days))
    return query.order_by(Redemption.created_at, Redemption.id)


def is_overdue(redemption: Redemption, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    deadline = redemption.created_at + timedelta(days=redemption.privilege.lead_time_days)
    return redemption.status in OPEN_STATUSES and now > deadline


# --- reports --------------------------------------------------------------------------


def tax_report(session: Session, year: int):
    """Per company, the money value of privileges fulfilled in the year."""
    start, end = _year_bounds(year)
    return session.execute(
        select(
            Company.name,
            Company.country,
            Company.tax_id,
            func.count(Redemption.id),
            func.sum(Redemption.money_value),
        )
        .join(Company, Company.id == Redemption.company_id)
        .where(
            Redemption.status == RedemptionStatus.FULFILLED,
            Redemption.fulfilled_at >= start,
            Redemption.fulfilled_at < end,
        )
        .group_by(Company.id, Company.name, Company.country, Company.tax_id)
        .order_by(Company.name)
    ).all()


def sponsor_report(session: Session, year: int):
    """Per sponsor and quarter, what its co-funded privileges cost it."""
    start, end = _year_bounds(year)
    rows = session.execute(
        select(
            Privilege.sponsor,
            Privilege.sponsor_share_percent,
            Redemption.fulfilled_at,
            Redemption.money_value,
        )
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .where(
            Redemption.status == RedemptionStatus.FULFILLED,
            Privilege.sponsor.is_not(None),
            Redemption.fulfilled_at >= start,
            Redemption.fulfilled_at < end,
        )
    ).all()
    totals: dict[tuple[str, str], list] = {}
    for sponsor, share, fulfilled_at, value in rows:
        key = (sponsor, quarter_of(fulfilled_at.date()))
        entry = totals.setdefault(key, [0, Decimal("0"), Decimal("0")])
        entry[0] += 1
        entry[1] += value
        entry[2] += (value * share / 100).quantize(Decimal("0.01"))
    return [(sponsor, quarter, *values) for (sponsor, quarter), values in sorted(totals.items())]


@dataclass(frozen=True)
class ProgrammeCost:
    fulfilled_value: Decimal
    purchases: Decimal

    @property
    def percent(self) -> Decimal | None:
        if not self.purchases:
            return None
        return (self.fulfilled_value * 100 / self.purchases).quantize(Decimal("0.01"))


def programme_cost(session: Session, start: date, end: date) -> ProgrammeCost:
    """Privileges fulfilled in [start, end) against net purchases invoiced then."""
    begin = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    finish = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    value = session.scalar(
        select(func.coalesce(func.sum(Redemption.money_value), 0)).where(
            Redemption.status == RedemptionStatus.FULFILLED,
            Redemption.fulfilled_at >= begin,
            Redemption.fulfilled_at < finish,
        )
    )
    purchases = session.scalar(
        select(func.coalesce(func.sum(Invoice.net_amount), 0)).where(
            Invoice.issue_date >= start, Invoice.issue_date < end
        )
    )
    return ProgrammeCost(Decimal(value), Decimal(purchases))


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def fulfilled_rebates(session: Session, *, since: datetime):
    """Post-sale rebates fulfilled since a moment: credits for the ERP to put on the
    partners' next invoices."""
    return session.execute(
        select(Redemption, Company)
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .join(Company, Company.id == Redemption.company_id)
        .where(
            Privilege.category == Category.REBATES,
            Redemption.status == RedemptionStatus.FULFILLED,
            Redemption.fulfilled_at >= since,
        )
        .order_by(Redemption.fulfilled_at, Redemption.id)
    ).all()


# --- images ---------------------------------------------------------------------------

MAX_IMAGE_BYTES = 2 * 1024 * 1024
# The file's first bytes say what it is; the name and the browser's word do not count.
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)


def image_folder() -> Path:
    folder = Path(current_app.config["DATA_FOLDER"]) / "privilege-images"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def set_image(
    session: Session, privilege: Privilege, data: bytes, *, actor: User, now: datetime | None = None
) -> str:
    """Store a PNG or JPEG picture for the privilege; returns the stored file name."""
    if len(data) > MAX_IMAGE_BYTES:
        raise CatalogError(_("The picture is larger than 2 MB."), field="image")
    kind = next((ext for signature, ext in IMAGE_SIGNATURES if data.startswith(signature)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "webp"
    if kind is None:
        raise CatalogError(_("Upload a PNG, JPEG or WebP picture."), field="image")
    name = f"{privilege.id}-{hashlib.sha256(data).hexdigest()[:16]}.{kind}"
    (image_folder() / name).write_bytes(data)
    before = privilege.image
    privilege.image = name
    privilege.updated_at = now or utcnow()
    session.flush()
    audit.record(
        session,
        "privilege.image_set",
        privilege,
        actor=actor,
        before={"image": before},
        after={"image": name},
        now=now,
    )
    return name
