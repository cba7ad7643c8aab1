"""The sponsor report reads the rules' sponsors: the points each sponsor's rules gave in a
quarter, at the club's value per point, beside its co-funded privileges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from club.catalog import services as catalog
from club.catalog.models import RedemptionStatus
from club.rules.engine import Occurrence, award
from club.rules.models import RuleKind


def test_points_through_each_sponsors_rules_at_the_value_per_point(
    app, db_session, club, make_rule, make_privilege, funded, monkeypatch
):
    monkeypatch.setitem(app.config, "INSIGHT_POINT_VALUE", "0.05")
    lux_a = make_rule(RuleKind.EINVOICE, sponsor="LuxLight", points=10, start=date(2026, 1, 1))
    lux_b = make_rule(RuleKind.EINVOICE, sponsor="LuxLight", points=50, start=date(2026, 1, 1))
    voltix = make_rule(RuleKind.EINVOICE, sponsor="Voltix", points=7, start=date(2026, 1, 1))
    own = make_rule(RuleKind.EINVOICE, points=100, start=date(2026, 1, 1))  # the supplier's

    def earn(rule, day, key, company=club.company):
        assert award(db_session, rule, Occurrence(company.id, day, key, key)) is not None

    earn(lux_a, date(2027, 1, 1), "next")  # another year
    for n, day in enumerate((date(2026, 1, 5), date(2026, 2, 7), date(2026, 3, 31))):
        earn(lux_a, day, f"a{n}")  # 3 x 10 in Q1
    earn(lux_a, date(2026, 4, 1), "a3")  # 10 in Q2
    earn(lux_b, date(2026, 3, 2), "b", club.other_company)  # 50 in Q1
    earn(voltix, date(2026, 5, 5), "v0")
    earn(voltix, date(2026, 6, 30), "v1")  # 2 x 7 in Q2
    earn(own, date(2026, 2, 2), "own")
    privilege = make_privilege(
        money_value=Decimal("1200.00"), sponsor="LuxLight", sponsor_share_percent=50
    )
    when = datetime(2026, 5, 10, tzinfo=UTC)
    redemption = catalog.redeem(db_session, privilege, actor=club.holder, answers={}, now=when)
    for step in (RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED):
        catalog.move(db_session, redemption, step, actor=club.club_manager, now=when)

    # By hand: LuxLight Q1 30 + 50 = 80 points x 0.05 = 4.00; Q2 10 points = 0.50 beside
    # its privilege (1,200.00, half of it its share); Voltix Q2 14 points = 0.70.
    assert catalog.sponsor_report(db_session, 2026) == [
        ("LuxLight", "2026-Q1", 0, Decimal("0"), Decimal("0"), 80, Decimal("4.00"), "PLN"),
        (
            "LuxLight",
            "2026-Q2",
            1,
            Decimal("1200.00"),
            Decimal("600.00"),
            10,
            Decimal("0.50"),
            "PLN",
        ),
        ("Voltix", "2026-Q2", 0, Decimal("0"), Decimal("0"), 14, Decimal("0.70"), "PLN"),
    ]
    assert catalog.sponsor_report(db_session, 2027) == [
        ("LuxLight", "2027-Q1", 0, Decimal("0"), Decimal("0"), 10, Decimal("0.50"), "PLN"),
    ]
