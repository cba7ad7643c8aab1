"""The demo club's dashboard moves: a year of summaries, potentials, sign-ins."""

from __future__ import annotations

from sqlalchemy import func, select

from club.core import periods
from club.insight import services
from club.insight.models import ActivityMonth, SalesMonth


def test_the_demo_dashboard_shows_movement(demo, demo_session):
    months = demo_session.scalars(select(SalesMonth.month).distinct()).all()
    assert len(months) > 12  # the year, and the history of the members admitted before it
    assert demo_session.scalar(select(func.sum(ActivityMonth.sign_in_days))) > 100
    last = periods.this_month(demo.loaded_at).previous()
    board = services.dashboard(demo_session, last, split="country")
    now = board.overall[0]
    assert now.buyers > 3 and set(now.net) == {"PLN", "RUB"}
    assert now.wallet_share and now.without_potential >= 1
    assert board.trend.net["PLN"][0] != board.trend.net["PLN"][-1]
    # Members admitted the year before, with their ERP history: a real uplift.
    uplift = [figure for figure in now.uplift.values() if figure.percent is not None]
    assert sum(figure.companies for figure in uplift) >= 2
    assert all(figure.percent > 0 for figure in uplift)
    assert {segment.label for segment in board.segments} >= {"PL", "RU"}
