"""E-voucher pools: the club manager uploads codes as CSV (code, optional PIN, value,
optional expiry date), read the way invoice exports are (encoding found out, separator
from the header, amounts and dates in the club's notations). A file with any bad row
loads nothing and says what is wrong in each row; a code already in the pool, or twice in
the file, is refused (and the database's unique fingerprint refuses it too). Loaded
codes serve the redemptions that were waiting for one, oldest first.

The scheduler withdraws expired codes nobody got and warns the club manager once when a
pool falls below its threshold (again only after it was topped up above it)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog import codes
from club.catalog.errors import CatalogError
from club.catalog.models import (
    Privilege,
    PrivilegeKind,
    Redemption,
    RedemptionStatus,
    VoucherCode,
)
from club.catalog.redemptions import lock, serve
from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.core.periods import club_today
from club.core.roles import Role
from club.core.sealing import fingerprint, seal
from club.members.models import User
from club.purchases.csv_encoding import EncodingProblem
from club.purchases.csv_rows import InvalidValue, parse_amount, parse_date
from club.purchases.csv_text import FileProblem, delimiter_of, encoding_of, records, text_of

MAX_CODES_PER_FILE = 20_000
MAX_CODE_LENGTH = 120
MAX_PIN_LENGTH = 40
# Column names as the club's three languages write them (compared in lower case).
COLUMNS = {
    "code": ("code", "kod", "код"),
    "pin": ("pin", "пин"),
    "value": ("value", "wartość", "wartosc", "номинал", "стоимость"),
    "expires_on": ("expiry", "expires", "expiry date", "ważny do", "data ważności", "срок"),
}


class PoolFileRefused(CatalogError):
    status_code = 422

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class PoolRow:
    line: int
    code: str
    pin: str | None
    value: object
    expires_on: date | None


@dataclass
class PoolLoad:
    loaded: int
    served: int
    problems: list[str] = field(default_factory=list)


def _columns(header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    found = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
    missing = [key for key in ("code", "value") if key not in found]
    if missing:
        raise PoolFileRefused(
            _("The file needs the columns code and value (pin and expiry are optional)."), []
        )
    return found


def _row(values: list[str], columns: dict[str, int], today: date, line: int) -> PoolRow:
    def cell(key: str) -> str:
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    code, pin, expiry = cell("code"), cell("pin") or None, cell("expires_on")
    if not code:
        raise InvalidValue(_l("The code is empty."))
    if len(code) > MAX_CODE_LENGTH or (pin and len(pin) > MAX_PIN_LENGTH):
        raise InvalidValue(_l("The code or PIN is too long."))
    value = parse_amount(cell("value"))
    if value < 0:
        raise InvalidValue(_l("The value cannot be negative."))
    expires_on = parse_date(expiry) if expiry else None
    if expires_on is not None and expires_on < today:
        raise InvalidValue(_l("This code expired on %(date)s.", date=expires_on.isoformat()))
    return PoolRow(line, code, pin, value, expires_on)


def read_pool(data: bytes, *, today: date) -> tuple[list[PoolRow], list[str]]:
    """The file's rows and, by line, what is wrong with the ones that cannot be loaded."""
    try:
        start, codec, _name = encoding_of(data)
        source, header_line = text_of(data, start, codec)
        reader, header = records(source, start, codec, delimiter_of(header_line))
    except (FileProblem, EncodingProblem) as problem:
        raise PoolFileRefused(str(problem.message), []) from None
    columns = _columns(header)
    rows: list[PoolRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.append(_("Line %(line)d: the line cannot be read.", line=reader.line_num))
            continue
        if not "".join(values).strip():
            continue
        line = reader.line_num
        try:
            row = _row(values, columns, today, line)
        except InvalidValue as invalid:
            problems.append(_("Line %(line)d: %(problem)s", line=line, problem=invalid.message))
            continue
        if row.code in seen:
            problems.append(
                _(
                    "Line %(line)d: the same code is on line %(first)d.",
                    line=line,
                    first=seen[row.code],
                )
            )
            continue
        seen[row.code] = line
        rows.append(row)
        if len(rows) > MAX_CODES_PER_FILE:
            raise PoolFileRefused(
                _("Upload at most %(count)d codes at a time.", count=MAX_CODES_PER_FILE), []
            )
    return rows, problems


def _in_pool(session: Session, privilege: Privilege, prints: list[str]) -> set[str]:
    """Which of these fingerprints the pool already holds (asked 500 at a time)."""
    known: set[str] = set()
    for first in range(0, len(prints), 500):
        known |= set(
            session.scalars(
                select(VoucherCode.fingerprint).where(
                    VoucherCode.privilege_id == privilege.id,
                    VoucherCode.fingerprint.in_(prints[first : first + 500]),
                )
            )
        )
    return known


def load_pool(
    session: Session,
    privilege: Privilege,
    data: bytes,
    *,
    actor: User,
    now: datetime | None = None,
) -> PoolLoad:
    """All the file's codes, sealed, or none; then the waiting redemptions are served."""
    now = now or utcnow()
    if privilege.kind != PrivilegeKind.E_VOUCHER:
        raise CatalogError(_("Only e-vouchers have a pool of codes."))
    rows, problems = read_pool(data, today=club_today(now))
    prints = {fingerprint(row.code): row for row in rows}
    known = _in_pool(session, privilege, list(prints))
    problems += [
        _("Line %(line)d: this code is already in the pool.", line=row.line)
        for key, row in prints.items()
        if key in known
    ]
    if problems:
        raise PoolFileRefused(
            _("Nothing was loaded: correct these rows and upload again."), problems
        )
    if not rows:
        raise PoolFileRefused(_("The file holds no codes."), [])
    session.add_all(
        VoucherCode(
            privilege_id=privilege.id,
            fingerprint=key,
            sealed_code=seal(row.code),
            sealed_pin=seal(row.pin) if row.pin else None,
            value=row.value,
            expires_on=row.expires_on,
            uploaded_at=now,
            uploaded_by_id=actor.id,
        )
        for key, row in prints.items()
    )
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another upload of the same codes got in first
        raise PoolFileRefused(
            _("Nothing was loaded: some of these codes were just loaded by someone else."), []
        ) from None
    audit.record(
        session,
        "voucher_pool.loaded",
        privilege,
        actor=actor,
        after={"codes": len(rows)},
        now=now,
    )
    return PoolLoad(len(rows), serve_waiting(session, privilege, actor=actor, now=now))


def waiting(session: Session, privilege_id: int):
    """Approved e-voucher redemptions still waiting for a code, oldest first."""
    return (
        select(Redemption)
        .where(
            Redemption.privilege_id == privilege_id,
            Redemption.status == RedemptionStatus.APPROVED,
            ~Redemption.id.in_(
                select(VoucherCode.redemption_id).where(VoucherCode.redemption_id.is_not(None))
            ),
        )
        .order_by(Redemption.created_at, Redemption.id)
    )


def serve_waiting(session: Session, privilege: Privilege, *, actor=None, now: datetime) -> int:
    served = 0
    for redemption in session.scalars(waiting(session, privilege.id)).all():
        redemption = lock(session, redemption)
        if redemption.status != RedemptionStatus.APPROVED or redemption.voucher is not None:
            continue
        if not serve(session, redemption, actor=actor, now=now):
            break
        served += 1
    return served


@dataclass(frozen=True)
class PoolCounts:
    left: int
    assigned: int
    withdrawn: int
    waiting: int


def pool_counts(session: Session, privilege: Privilege, *, today: date) -> PoolCounts:
    assigned, withdrawn = session.execute(
        select(
            func.count(VoucherCode.redemption_id),
            func.count(VoucherCode.withdrawn_at),
        ).where(VoucherCode.privilege_id == privilege.id)
    ).one()
    waiting_count = session.scalar(
        select(func.count()).select_from(waiting(session, privilege.id).subquery())
    )
    return PoolCounts(
        codes.codes_left(session, privilege.id, today=today), assigned, withdrawn, waiting_count
    )


def withdraw_expired(session: Session, *, now: datetime | None = None) -> int:
    """Codes past their expiry date that nobody got leave the pool (kept, marked)."""
    now = now or utcnow()
    result = session.execute(
        update(VoucherCode)
        .where(
            VoucherCode.redemption_id.is_(None),
            VoucherCode.withdrawn_at.is_(None),
            VoucherCode.expires_on < club_today(now),
        )
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def warn_low_pools(session: Session, *, now: datetime | None = None) -> int:
    """Mail the club managers once when a pool falls below its threshold; a pool topped
    up to the threshold again may warn again the next time it falls."""
    now = now or utcnow()
    today = club_today(now)
    warned = 0
    pools = session.scalars(
        select(Privilege).where(
            Privilege.kind == PrivilegeKind.E_VOUCHER,
            Privilege.pool_threshold.is_not(None),
            Privilege.retired_at.is_(None),
        )
    ).all()
    for privilege in pools:
        left = codes.codes_left(session, privilege.id, today=today)
        if left >= privilege.pool_threshold:
            privilege.pool_warned_at = None
            continue
        if privilege.pool_warned_at is not None:
            continue
        privilege.pool_warned_at = now
        warned += 1
        for manager in session.scalars(
            select(User).where(User.role == Role.CLUB_MANAGER, User.is_active.is_(True))
        ):
            queue_mail(
                session,
                to=manager.email,
                template="voucher_pool_low",
                locale=manager.language,
                privilege=privilege,
                left=left,
                user=manager,
            )
    session.flush()
    return warned
