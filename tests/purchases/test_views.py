"""The club manager's rules page."""

from __future__ import annotations

from sqlalchemy import select

from club.core.clock import utcnow
from club.purchases.models import EarningRule
from club.purchases.services import club_today, month_start, next_month
from tests.conftest import login


def test_the_rules_page_shows_the_default_and_saves_a_change(client, club, db_session):
    login(client, club.club_manager)
    page = client.get("/manage/rules").get_data(as_text=True)
    assert "1 point for every 500 of net purchases" in page
    start = next_month(month_start(club_today(utcnow())))
    response = client.post(
        "/manage/rules",
        data={"effective_from": start.isoformat(), "rate": "250", "grace_days": "10"},
    )
    assert response.status_code == 302
    rule = db_session.scalar(select(EarningRule))
    assert (rule.rate, rule.grace_days, rule.effective_from) == (250, 10, start)


def test_a_rule_in_the_middle_of_a_month_is_refused(client, club, db_session):
    login(client, club.club_manager)
    start = next_month(month_start(club_today(utcnow())))
    response = client.post(
        "/manage/rules",
        data={
            "effective_from": start.replace(day=15).isoformat(),
            "rate": "250",
            "grace_days": "7",
        },
    )
    assert response.status_code == 422
    assert "start of a month" in response.get_data(as_text=True)
    assert db_session.scalar(select(EarningRule)) is None
