"""The health score's weights and thresholds: defaults here, the club manager's changes
in the database (ScoreSetting), each change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import ClubError
from club.portfolio.models import ScoreSetting


class SettingsError(ClubError):
    status_code = 422


@dataclass(frozen=True)
class Setting:
    key: str
    default: int
    low: int
    high: int
    label: object  # a lazy string
    is_weight: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("weight_payment_delays", 20, 0, 100, _l("Payment delays growing"), True),
    Setting("weight_orders_down", 20, 0, 100, _l("Orders or basket down"), True),
    Setting("weight_forfeits", 10, 0, 100, _l("Points forfeited for late payment"), True),
    Setting("weight_no_login", 10, 0, 100, _l("Nobody signs in"), True),
    Setting("weight_no_training", 5, 0, 100, _l("No quiz passed this year"), True),
    Setting("weight_points_expiring", 5, 0, 100, _l("Points about to expire unused"), True),
    Setting("weight_complaints", 15, 0, 100, _l("Complaints open or recent"), True),
    Setting("weight_contract_ending", 20, 0, 100, _l("Contract ending"), True),
    Setting("weight_tier_drop", 10, 0, 100, _l("Tier drop pending"), True),
    Setting("late_days", 7, 1, 365, _l("Days late on average (last month) that count")),
    Setting("drop_percent", 30, 1, 100, _l("Drop against the 12-month baseline, in percent")),
    Setting("baseline_min_orders", 3, 1, 1000, _l("Orders in the baseline needed to judge")),
    Setting("forfeit_months", 6, 1, 36, _l("Months in which forfeits count")),
    Setting("login_days", 60, 1, 730, _l("Days without any sign-in")),
    Setting("expiry_days", 60, 1, 365, _l("Days ahead for expiring points")),
    Setting("expiry_min_points", 100, 1, 10_000_000, _l("Expiring points that count")),
    Setting("complaint_days", 90, 1, 730, _l("Days in which a complaint is recent")),
    Setting("contract_days", 90, 1, 730, _l("Days before a contract's end that count")),
    Setting("band_watch", 70, 1, 100, _l("Scores below this are watched")),
    Setting("band_risk", 40, 1, 100, _l("Scores below this are at risk")),
)
BY_KEY = {setting.key: setting for setting in SETTINGS}


def current(session: Session) -> dict[str, int]:
    """Every setting's value: the stored one, else the default."""
    stored = dict(session.execute(select(ScoreSetting.key, ScoreSetting.value)).all())
    return {setting.key: stored.get(setting.key, setting.default) for setting in SETTINGS}


def save(
    session: Session, values: dict[str, int], *, actor, now: datetime | None = None
) -> dict[str, int]:
    """Store the settings that changed (audited as one entry); refuses a value out of its
    range or bands in the wrong order, writing nothing."""
    for key, value in values.items():
        setting = BY_KEY.get(key)
        if setting is None:
            raise SettingsError(_("Unknown setting."))
        if not isinstance(value, int) or not setting.low <= value <= setting.high:
            raise SettingsError(
                _(
                    "Enter a whole number from %(low)d to %(high)d.",
                    low=setting.low,
                    high=setting.high,
                ),
                field=key,
            )
    before = current(session)
    after = {**before, **values}
    if after["band_risk"] > after["band_watch"]:
        raise SettingsError(
            _("The risk band must start at or below the watch band."), field="band_risk"
        )
    changed = {key: value for key, value in values.items() if before[key] != value}
    if not changed:
        return after
    now = now or utcnow()
    rows = {row.key: row for row in session.scalars(select(ScoreSetting))}
    for key, value in changed.items():
        row = rows.get(key) or ScoreSetting(key=key)
        row.value, row.updated_at, row.updated_by_id = value, now, actor.id
        session.add(row)
    audit.record(
        session,
        "portfolio.settings",
        None,
        actor=actor,
        object_type="score_setting",
        object_id="health-score",
        before={key: before[key] for key in changed},
        after=changed,
        now=now,
    )
    session.flush()
    return after
