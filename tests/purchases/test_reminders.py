"""Keeping partners informed: which invoices keep how many pending points if paid by
when, on the account holder's home and in a reminder mail sent once per closing day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from club.core.mail import OUTBOX_KEY
from club.jobs import remind_payments
from club.purchases import services as purchases
from club.purchases import views as purchase_views
from club.purchases.models import PaymentReminder
from club.purchases.reminders import payment_deadlines
from tests.conftest import login
from tests.purchases.test_services import at, invoice, run_jobs


@pytest.fixture
def october(db_session, club):
    """October: FV/10/1 paid in time; FV/10/2 (window to 7 November) and FV/10/3 (to 12
    November) open. 3,100 PLN earns 6 points; 2 are confirmed, 4 pending."""
    company = club.company
    purchases.record_invoices(
        db_session,
        [
            invoice(company, "FV/10/1", "1000", date(2026, 10, 1), date(2026, 10, 20)),
            invoice(company, "FV/10/2", "1500", date(2026, 10, 10), date(2026, 10, 31)),
            invoice(company, "FV/10/3", "600", date(2026, 10, 20), date(2026, 11, 5)),
        ],
        now=at(date(2026, 10, 21)),
    )
    purchases.record_payment(db_session, "FV/10/1", date(2026, 10, 25), now=at(date(2026, 10, 25)))
    run_jobs(db_session, date(2026, 11, 1))
    return company


def _mails(db_session) -> list:
    return db_session.info.get(OUTBOX_KEY, [])


def test_each_closing_day_names_its_invoices_and_the_points_they_keep(db_session, october):
    found = payment_deadlines(db_session, october.id, today=date(2026, 11, 2))
    assert [(d.closes_on, d.points, [i.number for i in d.invoices]) for d in found] == [
        (date(2026, 11, 7), 3, ["FV/10/2"]),  # 2,500 paid: 5 points, 3 more than now
        (date(2026, 11, 12), 1, ["FV/10/3"]),  # 3,100 paid: 6 points
    ]
    # Once FV/10/2 is paid, only the last window is left; after it closes, nothing.
    purchases.record_payment(db_session, "FV/10/2", date(2026, 11, 6), now=at(date(2026, 11, 6)))
    found = payment_deadlines(db_session, october.id, today=date(2026, 11, 6))
    assert [(d.closes_on, d.points) for d in found] == [(date(2026, 11, 12), 1)]
    assert payment_deadlines(db_session, october.id, today=date(2026, 11, 13)) == []


def test_the_reminder_goes_out_once_per_closing_day(db_session, club, october):
    assert remind_payments(db_session, now=at(date(2026, 11, 1))) == 0  # 7 Nov is 6 days off
    assert remind_payments(db_session, now=at(date(2026, 11, 2))) == 1
    (mail,) = _mails(db_session)
    assert mail.to == club.holder.email
    assert "FV/10/2" in mail.body and "FV/10/3" not in mail.body and "3 points" in mail.body
    assert remind_payments(db_session, now=at(date(2026, 11, 2))) == 0  # twice: once
    assert remind_payments(db_session, now=at(date(2026, 11, 7))) == 1  # 12 Nov's turn
    assert "FV/10/3" in _mails(db_session)[-1].body
    reminders = db_session.scalars(select(PaymentReminder.closes_on)).all()
    assert sorted(reminders) == [date(2026, 11, 7), date(2026, 11, 12)]


def test_the_reminder_days_are_configurable(app, db_session, october, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_REMINDER_DAYS", 10)
    assert remind_payments(db_session, now=at(date(2026, 11, 2))) == 1
    assert "FV/10/3" in _mails(db_session)[0].body  # both windows in one mail


@pytest.mark.one_database
def test_the_account_holder_home_shows_what_to_pay_by_when(
    db_session, club, october, client, monkeypatch
):
    monkeypatch.setattr(purchase_views, "club_today", lambda: date(2026, 11, 2))
    db_session.commit()
    login(client, club.holder)
    page = client.get("/").get_data(as_text=True)
    assert 'id="payment-card"' in page and "FV/10/2" in page
    assert "Pay these invoices by 7 Nov 2026 to keep 3 points." in page
    client.post("/logout")
    login(client, club.staff)
    assert 'id="payment-card"' not in client.get("/").get_data(as_text=True)
