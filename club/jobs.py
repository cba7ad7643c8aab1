"""Periodic jobs: plain functions over a session, idempotent and safe to run twice.

`flask --app wsgi club run-jobs` runs each once (cron-friendly, and what tests call);
`flask --app wsgi club scheduler` runs them on their schedules in one long-lived
process. Run exactly one scheduler per deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from club.catalog import pools
from club.core.clock import utcnow
from club.core.periods import club_today
from club.events.services import send_reminders
from club.insight.refresh import refresh as refresh_insight_summaries
from club.leaderboard.leagues import forget_leagues
from club.leaderboard.rollups import compact_scores
from club.ledger import services as ledger
from club.ledger.notices import warn_expiring_points
from club.ledger.services import expire_due
from club.members import admission
from club.members.models import OneTimeLink
from club.members.standing import requalify
from club.portfolio.nightly import score_companies, send_digests
from club.purchases.figures import confirmed_points, tier_figures
from club.purchases.reminders import remind_payment_windows
from club.purchases.rewards import award_invoice_rules, award_referrals
from club.purchases.services import close_due_months, settle_open_months
from club.webhooks.delivery import deliver_due

# Used or expired links are kept this long for support questions, then removed.
LINK_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., int]
    # APScheduler cron fields, in the club's time zone.
    cron: dict


def purge_one_time_links(session: Session, *, now: datetime | None = None) -> int:
    """Delete invitation and reset links that were used or expired long ago."""
    cutoff = (now or utcnow()) - LINK_RETENTION
    result = session.execute(
        delete(OneTimeLink).where(
            or_(OneTimeLink.used_at < cutoff, OneTimeLink.expires_at < cutoff)
        )
    )
    return result.rowcount


def close_months(session: Session, *, now: datetime | None = None) -> int:
    """Close every finished purchase month (catches up on months never closed)."""
    return close_due_months(session, now=now)


def settle_payment_windows(session: Session, *, now: datetime | None = None) -> int:
    """Confirm or forfeit pending purchase points as payment windows close."""
    return settle_open_months(session, now=now)


def expire_points(session: Session, *, now: datetime | None = None) -> int:
    """Lots past their expiry date leave their wallets."""
    return expire_due(session, now=now)


def warn_expiring(session: Session, *, now: datetime | None = None) -> int:
    """E-mail account holders about points that expire within 30 days (once per lot)."""
    return warn_expiring_points(session, now=now)


def remind_meetings(session: Session, *, now: datetime | None = None) -> int:
    """E-mail people with a seat a week and a day before their meeting (each once)."""
    return send_reminders(session, now=now)


def compact_board_scores(session: Session, *, now: datetime | None = None) -> int:
    """Fold the leaderboards' score changes into one row per score (ranks read them)."""
    return compact_scores(session)


def requalify_companies(session: Session, *, now: datetime | None = None) -> int:
    """Each company's standing from its confirmed purchases of the last 12 months: its tier
    (up at once, down after the grace period). Monthly after the close (and after the
    night's admissions, so a company admitted that night gets its first tier)."""
    now = now or utcnow()
    today = club_today(now)
    figures = tier_figures(session, today)
    changed = requalify(session, figures, today=today, now=now)
    forget_leagues()  # the boards' leagues follow the new tiers
    return changed


def admit_applicants(session: Session, *, now: datetime | None = None) -> int:
    """Applicants whose confirmed purchase points over the rules' window reached the
    threshold are admitted (or await approval). Purchases measure, members decide."""
    now = now or utcnow()
    today = club_today(now)
    window = admission.admission_window(admission.rules(session), today)
    return admission.admit_due(session, confirmed_points(session, *window), today, now=now)


def forfeit_frozen_points(session: Session, *, now: datetime | None = None) -> int:
    """A suspended or left company's points are forfeited once the rules' period since
    its status day has passed (ledger entries; a second run finds nothing available)."""
    now = now or utcnow()
    made = 0
    for company in admission.forfeits_due(session, club_today(now)):
        wallet = ledger.wallet_to_read(session, company.id)
        if wallet.id is None:
            continue  # never earned anything: nothing to forfeit
        entry = ledger.forfeit_frozen(
            session,
            wallet,
            source=ledger.Source("membership", str(company.id)),
            reason=f"Frozen since {company.status_since:%Y-%m-%d} ({company.status.value}): "
            "forfeited under the club's rules.",
            details={"status": company.status.value, "since": company.status_since.isoformat()},
            now=now,
        )
        made += entry is not None
    return made


def remind_payments(session: Session, *, now: datetime | None = None) -> int:
    """E-mail account holders PAYMENT_REMINDER_DAYS before a payment window closes on
    pending points (once per company and closing day)."""
    return remind_payment_windows(session, now=now)


def deliver_webhooks(session: Session, *, now: datetime | None = None) -> int:
    """Send the outbox's due webhook deliveries, signed; failures retry with backoff.
    Commits as it goes (claim, send, record), so no lock is held while sending."""
    return deliver_due(session, now=now)


def withdraw_expired_codes(session: Session, *, now: datetime | None = None) -> int:
    """E-voucher codes past their expiry date that nobody got leave their pools."""
    return pools.withdraw_expired(session, now=now)


def warn_low_voucher_pools(session: Session, *, now: datetime | None = None) -> int:
    """Mail the club managers once when an e-voucher pool falls below its threshold."""
    return pools.warn_low_pools(session, now=now)


def score_portfolios(session: Session, *, now: datetime | None = None) -> int:
    """Each company's health score for the day, kept as history (a second run the same
    day rewrites the same rows)."""
    return score_companies(session, now=now)


def send_portfolio_digests(session: Session, *, now: datetime | None = None) -> int:
    """Mail each account manager the companies whose score fell this week (once a week)."""
    return send_digests(session, now=now)


def refresh_insight(session: Session, *, now: datetime | None = None) -> int:
    """Rewrite the KPI dashboard's per-month summaries of invoices and points for the
    last months (late payments change them; old months stay as they were)."""
    return refresh_insight_summaries(session, now=now)


# Order matters when run together: close months before settling and expiring.
JOBS: list[Job] = [
    Job("close-months", close_months, {"hour": 1, "minute": 5}),
    Job("settle-payment-windows", settle_payment_windows, {"hour": 1, "minute": 35}),
    # Daily, after the payment windows: an applicant is admitted the night its points
    # are confirmed. Admission before forfeits: both read statuses, neither waits.
    Job("admit-applicants", admit_applicants, {"hour": 1, "minute": 50}),
    Job("forfeit-frozen-points", forfeit_frozen_points, {"hour": 1, "minute": 55}),
    # Hourly: earning rules over paid invoices (early payment, product-group promotions)
    # and referrals whose invited company has paid; each source earns once per rule.
    Job("award-invoice-rules", award_invoice_rules, {"minute": 40}),
    Job("award-referrals", award_referrals, {"minute": 45}),
    Job("expire-points", expire_points, {"hour": 2, "minute": 5}),
    # On the 1st, once the month has closed and the windows due have settled.
    Job("requalify-companies", requalify_companies, {"day": 1, "hour": 2, "minute": 20}),
    # Nightly, after the payment windows, expiry and requalification it reads.
    Job("score-portfolios", score_portfolios, {"hour": 3, "minute": 30}),
    # Mondays, after the night's scores.
    Job("send-portfolio-digests", send_portfolio_digests, {"day_of_week": "mon", "hour": 7}),
    # After the night's closing, settling and expiry: the dashboard reads the day before.
    Job("refresh-insight", refresh_insight, {"hour": 2, "minute": 40}),
    Job("warn-expiring-points", warn_expiring, {"hour": 9, "minute": 0}),
    Job("remind-payments", remind_payments, {"hour": 9, "minute": 5}),
    # After midnight a code's last day has passed; the warning then counts what is left.
    Job("withdraw-expired-codes", withdraw_expired_codes, {"hour": 0, "minute": 20}),
    Job("warn-low-voucher-pools", warn_low_voucher_pools, {"minute": 40}),
    Job("purge-one-time-links", purge_one_time_links, {"hour": 3, "minute": 17}),
    # Hourly: a reminder goes out within the hour its moment comes.
    Job("remind-meetings", remind_meetings, {"minute": 12}),
    # Every few minutes: each post adds a few score changes that a rank reads until then.
    Job("compact-board-scores", compact_board_scores, {"minute": "*/5"}),
    # Every minute: integrators hear of an event within a minute or two.
    Job("deliver-webhooks", deliver_webhooks, {"minute": "*"}),
]
