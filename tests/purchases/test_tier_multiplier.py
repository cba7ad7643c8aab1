"""The month close multiplies by the tier the company holds as the month closes; the
statement shows the base points and the tier bonus as separate lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from club.jobs import close_months, settle_payment_windows
from club.ledger.explain import tier_split
from club.ledger.models import Entry, EntryKind
from club.ledger.verify import verify
from club.members.tiers import ensure_default_tiers
from club.purchases import services as purchases
from club.purchases.figures import tier_figures
from club.purchases.models import PurchaseMonth
from tests.purchases.test_services import Row


def test_a_gold_month_earns_base_points_and_a_tier_bonus(db_session, club, login_as):
    tiers = {tier.code: tier for tier in ensure_default_tiers(db_session)}
    club.company.tier = tiers["gold"]  # x1.25
    db_session.commit()
    purchases.record_invoices(
        db_session,
        [
            Row("FV/1", club.company.tax_id, date(2026, 10, 5), date(2026, 10, 20),
                Decimal("6000.00"), date(2026, 10, 15)),
            Row("FV/2", club.other_company.tax_id, date(2026, 10, 5), date(2026, 10, 20),
                Decimal("6000.00"), date(2026, 10, 15)),
        ],
        now=datetime(2026, 10, 16, tzinfo=UTC),
    )  # fmt: skip
    now = datetime(2026, 11, 1, 1, 5, tzinfo=UTC)
    close_months(db_session, now=now)
    settle_payment_windows(db_session, now=now)
    months = {month.company_id: month for month in db_session.scalars(select(PurchaseMonth))}
    assert months[club.company.id].multiplier_percent == 125
    assert months[club.other_company.id].multiplier_percent == 100  # the lowest tier's
    assert months[club.company.id].confirmed == 15  # 12 base points x 1.25
    entries = db_session.scalars(
        select(Entry)
        .where(Entry.source_type == "purchase_month")
        .where(Entry.source_id == str(months[club.company.id].id))
        .order_by(Entry.id)
    ).all()
    assert [(entry.kind, tier_split(entry)) for entry in entries] == [
        (EntryKind.EARN, (12, 3, 125)),
        (EntryKind.CONFIRM, (12, 3, 125)),
    ]
    assert verify(db_session).problems == []
    # The tiers read the base points back: the bonus never lifts a company's own figure.
    assert tier_figures(db_session, date(2026, 11, 2))[club.company.id] == 12
    db_session.commit()

    page = login_as(club.holder).get("/wallet").get_data(as_text=True)
    assert "Base points: 12" in page
    assert "Tier bonus (125%): 3" in page
