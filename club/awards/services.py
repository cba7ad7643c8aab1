"""Rules of the awards domain: the quarter's best partners, diplomas and membership
certificates.

Quarters are calendar quarters in the club's time zone (CLUB_TIMEZONE). What a company
"earned in a quarter" (see `quarter_points`):
- purchase points count for the month of the purchases, net of what that month later
  lost: earned - forfeited (not paid in time) - clawed back (credit notes). The month's
  ledger entries carry the month's last second in UTC as `earned_at`, which in Warsaw is
  already the next month, so purchases are attributed by their month, not that moment;
- every other earning (quiz, meeting, referral, bonus, ...) counts by its `earned_at` in
  the club's time zone; manual corrections (ADJUST) do not count.
Ties go to whoever got there first (the latest counted earning is earlier), then by name.
This is not yet the company board's quarter (club/leaderboard rollups), which also counts
corrections, takes purchase losses from ledger entries rather than the month's counters,
and breaks ties by when its row last rose, then by row.

Services flush but never commit; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from club.audit import services as audit
from club.awards.errors import AwardFinalised, AwardsError, QuarterNotOver
from club.awards.models import MAX_PLACES, Distinction, MembershipCertificate, QuarterAward
from club.core import periods
from club.core.clock import as_utc, utcnow
from club.core.codes import new_code, normalize_code
from club.core.formatting import date_
from club.core.pdf import Certificate, PdfBrand, certificate_pdf
from club.core.periods import Period, club_zone
from club.ledger.models import Entry, EntryKind, Wallet
from club.members.models import Company, MembershipStatus, Tier, User
from club.members.standing import company_tiers
from club.purchases.models import PurchaseMonth

CITATION_MAX = 200
FIRST_YEAR = 2000
PURCHASE_SOURCE = "purchase_month"


# --- quarters -------------------------------------------------------------------------


def checked_quarter(year, number) -> Period:
    """The quarter `number` (1 to 4) of `year`, from FIRST_YEAR on; AwardsError for
    anything that cannot be one (a form's or a URL's values)."""
    if (
        not isinstance(year, int)
        or not isinstance(number, int)
        or isinstance(year, bool)
        or isinstance(number, bool)
        or not FIRST_YEAR <= year <= 9998
        or not 1 <= number <= 4
    ):
        raise AwardsError(_("Choose a year and a quarter (1 to 4)."), field="quarter")
    return periods.quarter(year, number)


def _check_over(quarter: Period, now: datetime) -> None:
    if not periods.is_over(quarter, now=now):
        raise QuarterNotOver(
            _(
                "Q%(quarter)d %(year)d is not over yet: its best partners can be named "
                "once it has ended.",
                quarter=quarter.number,
                year=quarter.year,
            ),
            field="quarter",
        )


# --- points of a quarter --------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    company: Company
    points: int
    reached_at: datetime | None  # the latest counted earning: earlier wins a tie


def quarter_points(
    session: Session, year: int, quarter: int, *, company_ids: Sequence[int] | None = None
) -> dict[int, tuple[int, datetime | None]]:
    """{company_id: (points earned in the quarter, when the total was reached)}."""
    period = checked_quarter(year, quarter)
    start, end = period.bounds()
    earned = (
        select(Wallet.company_id, func.sum(Entry.amount), func.max(Entry.earned_at))
        .join(Wallet, Wallet.id == Entry.wallet_id)
        .where(
            Entry.kind == EntryKind.EARN,
            Entry.source_type != PURCHASE_SOURCE,
            Entry.earned_at >= start,
            Entry.earned_at < end,
        )
        .group_by(Wallet.company_id)
    )
    bought = (
        select(
            PurchaseMonth.company_id,
            func.sum(PurchaseMonth.earned - PurchaseMonth.forfeited - PurchaseMonth.clawed_back),
            func.max(PurchaseMonth.period),
        )
        .where(PurchaseMonth.period.in_(period.month_starts()))
        .group_by(PurchaseMonth.company_id)
    )
    if company_ids is not None:
        earned = earned.where(Wallet.company_id.in_(company_ids))
        bought = bought.where(PurchaseMonth.company_id.in_(company_ids))
    totals: dict[int, tuple[int, datetime | None]] = {}
    for company_id, points, latest in session.execute(earned):
        totals[company_id] = (int(points or 0), as_utc(latest) if latest else None)
    for company_id, points, last_month in session.execute(bought):
        # A month's purchases are in once the month is over.
        month_end = periods.month_of(last_month).bounds()[1] if last_month else None
        before, reached = totals.get(company_id, (0, None))
        if month_end is not None and (reached is None or month_end > reached):
            reached = month_end
        totals[company_id] = (before + int(points or 0), reached)
    return totals


def _ranked(standings: list[Standing]) -> list[Standing]:
    far_future = datetime.max.replace(tzinfo=UTC)
    return sorted(
        standings,
        key=lambda s: (-s.points, s.reached_at or far_future, s.company.name.lower(), s.company.id),
    )


def suggest_best(
    session: Session, year: int, quarter: int, limit: int = 5, *, tier: Tier | None = None
) -> list[Standing]:
    """Member companies ranked by points earned in the quarter (only those above zero);
    with `tier`, only the companies holding that tier (awards per tier)."""
    totals = quarter_points(session, year, quarter)
    positive = {cid: value for cid, value in totals.items() if value[0] > 0}
    if tier is not None:
        held = company_tiers(session)
        positive = {cid: value for cid, value in positive.items() if held.get(cid) == tier}
    if not positive:
        return []
    companies = session.scalars(
        select(Company).where(
            Company.id.in_(list(positive)), Company.status == MembershipStatus.MEMBER
        )
    ).all()
    ends = checked_quarter(year, quarter).ends
    standings = [
        Standing(c, positive[c.id][0], positive[c.id][1])
        for c in companies
        if member_since(c) <= ends
    ]
    return _ranked(standings)[:limit]


# --- choosing and finalising ----------------------------------------------------------


def award_of(session: Session, year: int, quarter: int) -> QuarterAward | None:
    return session.scalar(
        select(QuarterAward)
        .where(QuarterAward.year == year, QuarterAward.quarter == quarter)
        .options(selectinload(QuarterAward.distinctions).selectinload(Distinction.company))
    )


def _award_for_update(session: Session, year: int, quarter: int) -> QuarterAward:
    """The quarter's award row, created on first use, locked against a second manager."""
    found = select(QuarterAward).where(QuarterAward.year == year, QuarterAward.quarter == quarter)
    if session.scalar(found) is None:
        try:
            with session.begin_nested():
                session.add(QuarterAward(year=year, quarter=quarter))
        except IntegrityError:  # created a moment ago by a concurrent transaction
            pass
    return session.execute(
        found.with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _company_ids(raw_ids: Sequence) -> list[int]:
    ids: list[int] = []
    for raw in raw_ids:
        if isinstance(raw, bool):
            raise AwardsError(_("Choose the companies from the list."), field="companies")
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise AwardsError(_("Choose the companies from the list."), field="companies") from None
    return ids


def _checked_list(
    company_ids_in_order: Sequence, citations: Sequence[str] | None
) -> tuple[list[int], list[str]]:
    """The places as company ids, each with its citation ("" when none)."""
    ids = _company_ids(company_ids_in_order)
    if not ids:
        raise AwardsError(_("Choose at least one company."), field="companies")
    if len(ids) > MAX_PLACES:
        raise AwardsError(_("Choose at most %(num)d companies.", num=MAX_PLACES), field="companies")
    if len(set(ids)) != len(ids):
        raise AwardsError(_("Each company can take only one place."), field="companies")
    texts = [(text or "").strip() for text in (citations or [])]
    if len(texts) > len(ids):
        raise AwardsError(_("Each citation needs a company."), field="companies")
    texts += [""] * (len(ids) - len(texts))
    if any(len(text) > CITATION_MAX for text in texts):
        raise AwardsError(
            _("A citation may have at most %(num)d characters.", num=CITATION_MAX),
            field="companies",
        )
    return ids, texts


def member_since(company: Company) -> date:
    """The club day the company became a member (its registration day if not recorded)."""
    return company.joined_on or periods.local(company.created_at).date()


def _check_members(session: Session, ids: list[int], period: Period) -> None:
    """Only companies that exist, are members of the club and were so during the quarter
    can be named."""
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}
    if missing := [cid for cid in ids if cid not in companies]:
        raise AwardsError(_("There is no company number %(id)s.", id=missing[0]), field="companies")
    for cid in ids:
        if companies[cid].status != MembershipStatus.MEMBER:
            raise AwardsError(
                _(
                    "%(company)s is not a member of the club; only members can be named.",
                    company=companies[cid].name,
                ),
                field="companies",
            )
        if member_since(companies[cid]) > period.ends:
            raise AwardsError(
                _(
                    "%(company)s joined the club after %(period)s.",
                    company=companies[cid].name,
                    period=_("Q%(quarter)d %(year)d", quarter=period.number, year=period.year),
                ),
                field="companies",
            )


def choose_best(
    session: Session,
    year: int,
    quarter: int,
    company_ids_in_order: Sequence[int],
    actor: User,
    *,
    citations: Sequence[str] | None = None,
    now: datetime | None = None,
) -> QuarterAward:
    """Name the quarter's best partners, place 1 first; replaces an earlier draft list.

    Each distinction keeps the points the company earned in the quarter at this moment.
    """
    now = now or utcnow()
    period = checked_quarter(year, quarter)
    _check_over(period, now)
    ids, citations = _checked_list(company_ids_in_order, citations)
    _check_members(session, ids, period)

    award = _award_for_update(session, year, quarter)
    if award.is_finalised:
        raise AwardFinalised(
            _("The best partners of Q%(quarter)d %(year)d are final.", quarter=quarter, year=year)
        )
    before = [(d.place, d.company_id) for d in award.distinctions]
    award.distinctions.clear()
    session.flush()  # free the places before they are taken again
    totals = quarter_points(session, year, quarter, company_ids=ids)
    for place, (cid, citation) in enumerate(zip(ids, citations, strict=True), start=1):
        award.distinctions.append(
            Distinction(
                company_id=cid,
                place=place,
                points=totals.get(cid, (0, None))[0],
                citation=citation,
                code=new_code(),
                chosen_at=now,
                chosen_by_id=actor.id,
            )
        )
    session.flush()
    audit.record(
        session,
        "awards.best_partners_chosen",
        award,
        actor=actor,
        before={"places": before} if before else None,
        after={
            "quarter": period.arg,
            "places": [(d.place, d.company_id, d.points) for d in award.distinctions],
        },
        now=now,
    )
    return award


def finalise(
    session: Session, year: int, quarter: int, *, actor: User, now: datetime | None = None
) -> QuarterAward:
    """Fix the quarter's list: its diplomas are issued today and can be downloaded."""
    now = now or utcnow()
    period = checked_quarter(year, quarter)
    _check_over(period, now)
    award = session.scalar(
        select(QuarterAward)
        .where(QuarterAward.year == year, QuarterAward.quarter == quarter)
        .with_for_update()
    )
    if award is None or not award.distinctions:
        raise AwardsError(
            _("Name the best partners of Q%(quarter)d %(year)d first.", quarter=quarter, year=year)
        )
    if award.is_finalised:
        raise AwardFinalised(
            _("The best partners of Q%(quarter)d %(year)d are final.", quarter=quarter, year=year)
        )
    actor_id = actor.id  # read first: loading it must not flush a half-finalised row
    award.finalised_at, award.finalised_by_id = now, actor_id
    session.flush()
    audit.record(
        session,
        "awards.best_partners_finalised",
        award,
        actor=actor,
        after={
            "quarter": period.arg,
            "places": [(d.place, d.company_id) for d in award.distinctions],
        },
        now=now,
    )
    return award


# --- reading --------------------------------------------------------------------------


def finalised_distinctions(session: Session, *, company_id: int | None = None):
    """Diplomas that exist: distinctions of finalised quarters, newest quarter first."""
    query = (
        select(Distinction)
        .join(QuarterAward)
        .where(QuarterAward.finalised_at.is_not(None))
        .options(selectinload(Distinction.award), selectinload(Distinction.company))
        .order_by(QuarterAward.year.desc(), QuarterAward.quarter.desc(), Distinction.place)
    )
    if company_id is not None:
        query = query.where(Distinction.company_id == company_id)
    return session.scalars(query).all()


def diploma(session: Session, distinction_id: int) -> Distinction | None:
    """A distinction whose diploma exists (its quarter is final), else None."""
    found = session.get(Distinction, distinction_id)
    if found is None or not found.award.is_finalised:
        return None
    return found


def member_companies(
    session: Session, *, during: Period | None = None
) -> list[tuple[Company, MembershipCertificate | None]]:
    """The club's members with their certificates; with `during`, only those that were
    members by the end of that period (a company registered later is not a candidate)."""
    rows = session.execute(
        select(Company, MembershipCertificate)
        .outerjoin(MembershipCertificate, MembershipCertificate.company_id == Company.id)
        .where(Company.status == MembershipStatus.MEMBER)
        .order_by(func.lower(Company.name), Company.id)
    )
    return [
        (company, certificate)
        for company, certificate in rows
        if during is None or member_since(company) <= during.ends
    ]


# --- membership certificates ----------------------------------------------------------


def membership_certificate_of(session: Session, company: Company) -> MembershipCertificate | None:
    return session.scalar(
        select(MembershipCertificate).where(MembershipCertificate.company_id == company.id)
    )


def issue_membership_certificate(
    session: Session, company: Company, *, actor: User | None = None, now: datetime | None = None
) -> MembershipCertificate:
    """The company's certificate, issued on first request while it is a member.

    Numbers run per year of issue ("2026/0001", ...). Two first requests at once: the
    unique constraints refuse the loser, which then reads the winner's certificate or
    takes the next number.
    """
    now = now or utcnow()
    if company.status != MembershipStatus.MEMBER:
        raise AwardsError(_("%(company)s is not a member of the club.", company=company.name))
    if (existing := membership_certificate_of(session, company)) is not None:
        return existing
    today = periods.club_today(now)
    since = member_since(company)
    for _attempt in range(5):
        sequence = (
            session.scalar(
                select(func.max(MembershipCertificate.sequence)).where(
                    MembershipCertificate.year == today.year
                )
            )
            or 0
        ) + 1
        certificate = MembershipCertificate(
            company_id=company.id,
            year=today.year,
            sequence=sequence,
            member_since=since,
            code=new_code(),
            issued_at=now,
        )
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            if (existing := membership_certificate_of(session, company)) is not None:
                return existing
            continue
        audit.record(
            session,
            "awards.membership_certificate_issued",
            certificate,
            actor=actor,
            company_id=company.id,
            after={"number": certificate.number},
            now=now,
        )
        session.flush()
        return certificate
    raise RuntimeError("could not number a membership certificate after five attempts")


# --- verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public verification page may say: no more."""

    company_name: str
    what: str
    issued_on: date
    is_valid: bool  # a membership certificate of a company that left is no longer valid


def verify_code(session: Session, raw_code: str | None) -> Verification | None:
    code = normalize_code(raw_code)
    if code is None:
        return None
    zone = club_zone()
    distinction = session.scalar(select(Distinction).where(Distinction.code == code))
    if distinction is not None and distinction.award.is_finalised:
        return Verification(
            company_name=distinction.company.name,
            what=_diploma_line(distinction),
            issued_on=distinction.award.finalised_at.astimezone(zone).date(),
            is_valid=True,
        )
    certificate = session.scalar(
        select(MembershipCertificate).where(MembershipCertificate.code == code)
    )
    if certificate is not None:
        return Verification(
            company_name=certificate.company.name,
            what=_("Membership certificate No. %(number)s", number=certificate.number),
            issued_on=certificate.issued_at.astimezone(zone).date(),
            is_valid=certificate.company.status == MembershipStatus.MEMBER,
        )
    return None


# --- PDFs -----------------------------------------------------------------------------


def _diploma_line(distinction: Distinction) -> str:
    return _(
        "Diploma: place %(place)d among the best partners of Q%(quarter)d %(year)d",
        place=distinction.place,
        quarter=distinction.award.quarter,
        year=distinction.award.year,
    )


def verification_url(code: str) -> str:
    """Where a code is checked: this request's host, or BASE_URL for jobs and commands."""
    if has_request_context():
        return url_for("awards.verify", code=code, _external=True)
    return current_app.config["BASE_URL"].rstrip("/") + f"/awards/verify/{code}"


def diploma_pdf(
    distinction: Distinction,
    locale: str,
    *,
    verify_url: str | None = None,
    brand: PdfBrand | None = None,
) -> bytes:
    """The diploma of a finalised distinction, in `locale`."""
    award = distinction.award
    if not award.is_finalised:
        raise AwardsError(_("Diplomas are issued once the quarter's list is final."))
    issued_on = periods.local(award.finalised_at).date()
    verify_url = verify_url or verification_url(distinction.code)
    with force_locale(locale):
        lines = [
            _(
                "place %(place)d among the best partners of the club in Q%(quarter)d %(year)d",
                place=distinction.place,
                quarter=award.quarter,
                year=award.year,
            ),
            _(
                "with %(points)s points earned in the quarter",
                points=format_decimal(distinction.points),
            ),
        ]
        if distinction.citation:
            lines.append(f"“{distinction.citation}”")
        certificate = Certificate(
            title=_("Diploma"),
            subtitle=_("The club awards"),
            name=distinction.company.name,
            lines=lines,
            footer=[
                _("Issued on %(date)s", date=date_(issued_on, "long")),
                _("Verification code: %(code)s", code=distinction.code),
                _("Check it at %(url)s", url=verify_url),
            ],
            issuer=_("Club: the loyalty club of our business partners."),
            brand=brand or PdfBrand(name=_("Club")),
        )
    return certificate_pdf(certificate)


def membership_certificate_pdf(
    certificate: MembershipCertificate,
    locale: str,
    *,
    verify_url: str | None = None,
    brand: PdfBrand | None = None,
) -> bytes:
    issued_on = periods.local(certificate.issued_at).date()
    verify_url = verify_url or verification_url(certificate.code)
    with force_locale(locale):
        document = Certificate(
            title=_("Membership certificate"),
            subtitle=_("This certifies that"),
            name=certificate.company.name,
            lines=[
                _(
                    "is a member of the club since %(date)s",
                    date=date_(certificate.member_since, "long"),
                ),
                _("Certificate No. %(number)s", number=certificate.number),
            ],
            footer=[
                _("Issued on %(date)s", date=date_(issued_on, "long")),
                _("Verification code: %(code)s", code=certificate.code),
                _("Check it at %(url)s", url=verify_url),
            ],
            issuer=_("Club: the loyalty club of our business partners."),
            brand=brand or PdfBrand(name=_("Club")),
        )
    return certificate_pdf(document)
