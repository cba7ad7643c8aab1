"""Each KPI on the prepared history (tests/insight/conftest.py), answers computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from club.core import periods
from club.insight import services
from club.insight.figures import Ratio
from club.insight.models import SalesMonth, Uplift
from club.insight.refresh import refresh
from tests.insight.conftest import REFRESHED

OCTOBER = periods.month(2026, 10)


# One prepared history serves several KPIs per test: it takes a second to build.


def test_sales_kpis(history, db_session):
    board = services.dashboard(db_session, OCTOBER, split="manager")
    _the_periods_compared(board)
    _retention_and_the_churned_company(board)
    _frequency_and_basket_per_currency(board)
    _on_time_payment_and_forfeited_points(board)
    _uplift_after_admission(board, db_session)
    _share_of_wallet_with_a_missing_potential(board)
    _the_summaries_and_the_trend(board, db_session)


def test_points_cost_engagement_and_satisfaction(history, db_session):
    board = services.dashboard(db_session, OCTOBER, split="manager")
    _programme_cost_per_sponsor(board)
    _engagement(board)
    _satisfaction(board)
    _splits(db_session, board)


def test_an_account_managers_portfolio(history, db_session):
    _liability_breakage_and_redemption_for_a_portfolio(history, db_session)


def _the_periods_compared(board):
    assert board.compared == [OCTOBER, periods.month(2026, 9), periods.month(2025, 10)]


def _retention_and_the_churned_company(board):
    now, _before, year_before = board.overall
    # Bought in September: A, B, C; again in October: A, B.
    assert now.retention == Ratio(2, 3) and now.retention.percent == Decimal("66.7")
    assert [company.name for company in board.churned] == ["Churned Co"]
    assert now.buyers == 3  # A, B and the newcomer D
    # October 2025 against September 2025: A bought in September only.
    assert year_before.retention == Ratio(0, 1)


def _frequency_and_basket_per_currency(board):
    now = board.overall[0]
    # PLN: A 3,000 - 600 (a credit note) and D 1,200 over two invoices of two companies.
    assert now.net == {"PLN": Decimal("3600.00"), "RUB": Decimal("40000.00")}
    assert now.frequency == {"PLN": Decimal("1.00"), "RUB": Decimal("2.00")}
    assert now.basket == {"PLN": Decimal("1800.00"), "RUB": Decimal("20000.00")}


def _on_time_payment_and_forfeited_points(board):
    now, before, _year = board.overall
    # Due by 10 November: A3 (paid late), B2 and B3 (on time); D1 is not due yet.
    assert now.on_time == Ratio(2, 3)
    assert before.on_time == Ratio(4, 4)
    assert now.forfeited == 30


def _uplift_after_admission(board, db_session):
    # A: 1,000 in the 12 months before June 2025, 1,300 in the 12 after: +30 %.
    # C bought nothing before its admission: not behind the figure.
    uplift = board.overall[0].uplift["PLN"]
    assert (uplift.before, uplift.after, uplift.companies) == (
        Decimal("1000.00"),
        Decimal("1300.00"),
        1,
    )
    assert uplift.percent == Decimal("30.0")
    assert board.overall[2].uplift == {}  # October 2025: A's year after had not ended
    stored = db_session.scalars(select(Uplift).order_by(Uplift.company_id)).all()
    assert [(row.currency, row.complete_on) for row in stored] == [
        ("PLN", date(2026, 7, 1)),
        ("PLN", date(2026, 4, 1)),
    ]


def _share_of_wallet_with_a_missing_potential(board):
    now = board.overall[0]
    # A: 2,400 of 36,000 / 12; B: 40,000 of 600,000 / 12; C and D have none.
    assert now.wallet_share == {
        "PLN": Ratio(Decimal("2400.00"), Decimal("3000")),
        "RUB": Ratio(Decimal("40000.00"), Decimal("50000")),
    }
    assert now.wallet_share["PLN"].percent == Decimal("80.0")
    assert now.without_potential == 2
    # 2025 has no potentials at all: every company is missing, no share is made up.
    assert board.overall[2].wallet_share == {} and board.overall[2].without_potential == 4


def _programme_cost_per_sponsor(board):
    now = board.overall[0]
    # 800 - Philips' 25 % = 600, plus (100 own campaign + 150 bonus) points at 0.50.
    assert now.privileges == 1 and now.privilege_value == {"PLN": Decimal("800.00")}
    assert now.cofunded == {"PLN": Decimal("200.00")}
    assert (now.campaign_points, now.sponsored_points, now.bonus_points) == (100, 200, 150)
    assert now.cost == Decimal("725.00")
    assert now.revenue == Decimal("3600.00") and now.margin == Decimal("720.00")
    assert now.cost_of_revenue.percent == Decimal("20.1")
    assert now.cost_of_margin.percent == Decimal("100.7")
    (philips,) = board.sponsors
    assert (philips.sponsor, philips.cofunded, philips.points, philips.value) == (
        "Philips",
        {"PLN": Decimal("200.00")},
        200,
        Decimal("100.00"),
    )
    assert board.top_privileges == [("Trade fair trip", 1, Decimal("800.00"), "PLN")]


def _liability_breakage_and_redemption_for_a_portfolio(history, db_session):
    board = services.dashboard(db_session, OCTOBER, manager_id=history.club.account_manager.id)
    now = board.overall[0]
    # A only: available 50 - 50 + 200 + 100 + 150 - 400 = 50, pending 1,000 - 30 = 970.
    assert now.liability_points == 1020 and now.liability_value == Decimal("510.00")
    assert (now.earned, now.expired, now.spent) == (1450, 50, 400)
    assert now.breakage.percent == Decimal("3.4")
    assert now.redemption_rate.percent == Decimal("27.6")
    assert now.net == {"PLN": Decimal("2400.00")}  # nothing of the other portfolio
    assert [company.name for company in board.churned] == []


def _engagement(board):
    now, before, _year = board.overall
    assert (now.sign_in_days, now.people_signed_in) == (4, 3)
    assert (before.sign_in_days, before.people_signed_in) == (1, 1)
    # Four partner people; B's staff passed a course in September.
    assert now.coverage == Ratio(1, 4)
    assert (now.registered, now.attended, now.no_shows) == (3, 1, 1)


def _satisfaction(board):
    nps = board.nps[0]
    assert (nps.responses, nps.promoters, nps.detractors, nps.score) == (3, 2, 1, 33)
    assert board.nps[1].score is None


def _splits(db_session, board):
    by_manager = {segment.label: segment.figures for segment in board.segments}
    assert set(by_manager) == {"Account Manager", "Other Manager", "No account manager"}
    assert by_manager["Other Manager"].net == {"RUB": Decimal("40000.00")}
    assert by_manager["No account manager"].retention == Ratio(0, 1)  # C churned, D new
    pilot = services.dashboard(db_session, OCTOBER, split="pilot")
    assert [segment.label for segment in pilot.segments] == ["Pilot group", "The rest"]
    assert pilot.segments[0].figures.net == {"PLN": Decimal("1200.00")}
    assert pilot.segments[1].figures.retention == Ratio(2, 3)


def _the_summaries_and_the_trend(board, db_session):
    october = db_session.get(SalesMonth, (date(2026, 10, 1), board.churned[0].id, "PLN"))
    assert october is None  # C bought nothing in October
    trend = board.trend
    assert trend.months[0] == date(2025, 11, 1) and trend.months[-1] == date(2026, 10, 1)
    assert trend.net["PLN"][-2:] == [Decimal("2300.00"), Decimal("3600.00")]
    assert trend.buyers[-2:] == [3, 3]
    assert trend.points[-1] == [1450, 400, 50]


def test_periods_of_several_months_and_segments_as_of_the_refresh(history, db_session):
    # A year counts each company once, not once a month: in 2025 A bought in January and
    # September, C in August: 2 buyers (3 if monthly counts were added up).
    year = services.dashboard(db_session, periods.year(2026), split="manager")
    now, before, _year = year.overall
    assert (now.buyers, before.buyers) == (4, 2)
    assert now.retention == Ratio(2, 2) and now.churned == 0  # A and C bought again
    assert year.churned == [] and year.churned_count == 0
    # Q4 against Q3: A, B and C bought in Q3 (each in September), A, B and D in Q4.
    quarter = services.dashboard(db_session, periods.quarter(2026, 4), split="manager")
    now = quarter.overall[0]
    assert now.buyers == 3 and now.retention == Ratio(2, 3) and now.churned == 1
    assert [company.name for company in quarter.churned] == ["Churned Co"]
    # Two PLN invoices of two companies (A's credit note is not one), two RUB of one.
    assert now.frequency == {"PLN": Decimal("0.33"), "RUB": Decimal("0.67")}
    by_manager = {segment.label: segment.figures for segment in quarter.segments}
    assert by_manager["No account manager"].churned == 1
    assert quarter.as_of == date(2026, 11, 10)
    # The page lists the first churned companies; the count says how many there are.
    listed = services.dashboard(db_session, OCTOBER, churned_limit=0)
    assert (listed.churned, listed.churned_count) == ([], 1)

    # Segments are as the refresh read them: C moved to A's manager shows there only
    # once the months are summarised again.
    history.c.account_manager_id = history.club.account_manager.id
    db_session.flush()
    manager = history.club.account_manager.id
    portfolio = services.dashboard(db_session, OCTOBER, manager_id=manager)
    assert portfolio.overall[0].retention == Ratio(1, 1) and portfolio.churned_count == 0
    assert portfolio.overall[0].companies == 1  # members too, as the refresh found them
    refresh(db_session, months=3, now=REFRESHED)
    portfolio = services.dashboard(db_session, OCTOBER, manager_id=manager)
    assert portfolio.overall[0].retention == Ratio(1, 2) and portfolio.churned_count == 1
    assert portfolio.overall[0].companies == 2
    assert portfolio.overall[0].net == {"PLN": Decimal("2400.00")}
