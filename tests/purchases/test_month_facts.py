"""The month close adds up invoices in the database; the result must be exactly what
month_facts (which reads every invoice and adds up in Python) makes of the same rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from club.purchases import month_facts
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth

OCTOBER = date(2026, 10, 1)
NOW = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


def _invoice(company, number, amount, issued, due, paid=None, kind=InvoiceKind.INVOICE):
    return Invoice(
        number=number,
        company_id=company.id,
        kind=kind,
        issue_date=issued,
        period=issued.replace(day=1),
        due_date=due,
        net_amount=Decimal(amount),
        currency="PLN",
        paid_date=paid,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.fixture
def months(db_session, make_company):
    """Months of several companies and grace periods, full of edge cases."""
    a, b, c, d, e, f = (make_company(f"Facts {n}") for n in range(6))
    due = date(2026, 10, 20)
    rows = [
        # a: 0.10 + 0.20 (0.30 exactly, never 0.30000000000000004), a credit note, a
        # payment on the last day of the window, one a day after it, one unpaid.
        _invoice(a, "A/1", "0.10", date(2026, 10, 1), due, paid=date(2026, 10, 5)),
        _invoice(a, "A/2", "0.20", date(2026, 10, 2), due, paid=due),
        _invoice(a, "A/3", "1000.01", date(2026, 10, 3), due, paid=due + timedelta(days=7)),
        _invoice(a, "A/4", "999.99", date(2026, 10, 3), due, paid=due + timedelta(days=8)),
        _invoice(a, "A/5", "1234.56", date(2026, 10, 4), due),
        _invoice(a, "KOR/A/1", "-250.55", date(2026, 10, 9), due, kind=InvoiceKind.CREDIT_NOTE),
        # A credit note with a payment date: it still only lowers the total.
        _invoice(
            a, "KOR/A/2", "-0.01", date(2026, 10, 9), due, paid=due, kind=InvoiceKind.CREDIT_NOTE
        ),
        # b: only credit notes (a negative total), and a zero one.
        _invoice(b, "KOR/B/1", "-500.00", date(2026, 10, 1), due, kind=InvoiceKind.CREDIT_NOTE),
        _invoice(b, "KOR/B/2", "0.00", date(2026, 10, 2), due, kind=InvoiceKind.CREDIT_NOTE),
        # c: big amounts, paid early and late; windows on several dates.
        _invoice(
            c, "C/1", "999999999999.99", date(2026, 10, 1), date(2026, 10, 1), paid=NOW.date()
        ),
        _invoice(c, "C/2", "123456789.01", date(2026, 10, 15), date(2026, 11, 30)),
        _invoice(c, "C/3", "0.07", date(2026, 10, 31), date(2026, 10, 31), paid=date(2026, 10, 31)),
        # d: one invoice of zero, paid before it was issued (the import allows it).
        _invoice(d, "D/1", "0.00", date(2026, 10, 10), date(2026, 10, 24), paid=date(2026, 9, 30)),
        # e: many small amounts that add up to whole points only in cents.
        *(
            _invoice(
                e,
                f"E/{n}",
                f"{n % 97}.{n % 100:02d}",
                date(2026, 10, 1 + n % 31),
                date(2026, 10, 1 + n % 31) + timedelta(days=(14, 30, 60)[n % 3]),
                paid=(None, date(2026, 10, 1 + n % 31) + timedelta(days=n % 40))[n % 2],
            )
            for n in range(120)
        ),
        # f: invoices in September too (another period of the same company).
        _invoice(
            f, "F/9", "700.00", date(2026, 9, 30), date(2026, 10, 14), paid=date(2026, 10, 21)
        ),
        _invoice(f, "F/10", "300.30", date(2026, 10, 30), date(2026, 11, 13)),
    ]
    db_session.add_all(rows)
    db_session.flush()
    months = []
    for number, (company, period) in enumerate(
        [
            *((company, OCTOBER) for company in (a, b, c, d, e, f)),
            (f, date(2026, 9, 1)),
            (a, date(2026, 8, 1)),  # no invoices
        ],
        start=1,
    ):
        for grace_days in (0, 7, 30):
            months.append(
                PurchaseMonth(
                    id=number * 100 + grace_days,
                    company_id=company.id,
                    period=period,
                    currency="PLN",
                    rate=500,
                    grace_days=grace_days,
                    multiplier_percent=150,
                )
            )
    return months


def _as_compared(facts):
    """Every field, the amounts also as text (details show them as text)."""
    return (facts, str(facts.net_total), str(facts.paid_in_time))


@pytest.mark.parametrize("some", [False, True], ids=["all-months", "some-months"])
@pytest.mark.parametrize("whole_period", [False, True], ids=["by-company", "whole-period"])
@pytest.mark.parametrize(
    "today",
    [date(2026, 11, 1), date(2026, 11, 3), date(2026, 11, 20), date(2027, 1, 10)],
)
def test_facts_added_up_in_the_database_are_those_of_the_rows(
    db_session, months, today, whole_period, some, monkeypatch
):
    if some:  # the whole period is read, other companies' invoices left out
        months = months[::2]
    if whole_period:  # read the whole period even for a few months (SQLite)
        monkeypatch.setattr(month_facts, "MONTH_BATCH", 1)
    summed = month_facts.facts_of_months(db_session, months, today=today)
    assert set(summed) == {month.id for month in months}
    for month in months:
        one_by_one = month_facts.month_facts(db_session, month, today=today)
        assert _as_compared(summed[month.id]) == _as_compared(one_by_one), month.id


def test_the_edge_cases_come_out_as_the_rules_say(db_session, months):
    facts = month_facts.facts_of_months(db_session, months, today=date(2026, 11, 1))
    a7 = facts[107]  # company a, 7 days' grace, windows ended on 27 October
    assert a7.net_total == Decimal("2984.30") and str(a7.net_total) == "2984.30"
    assert a7.paid_in_time == Decimal("1000.31")  # 0.10 + 0.20 + paid on the last day
    assert a7.late == [{"number": "A/4", "days_late": 1}]
    assert a7.unpaid == [{"number": "A/5", "window_end": "2026-10-27"}]
    assert (a7.points_earned, a7.points_confirmed, a7.windows_closed) == (7, 3, True)
    b0 = facts[200]
    assert (str(b0.net_total), str(b0.paid_in_time), b0.points_earned) == ("-500.00", "0", 0)
    empty = facts[830]
    assert (str(empty.net_total), empty.windows_closed, empty.late) == ("0", True, [])


def test_an_amount_stored_with_more_than_cents_is_read_as_month_facts_reads_it(
    db_session, make_company
):
    # Nothing the import writes, but SQLite keeps whatever it is given: such a month is
    # worked out from its rows. (PostgreSQL rounds to the column's two places.)
    company = make_company("Odd")
    db_session.add_all(
        [
            _invoice(company, "O/1", "0.125", date(2026, 10, 1), date(2026, 10, 2)),
            _invoice(company, "O/2", "499.875", date(2026, 10, 1), date(2026, 10, 2)),
        ]
    )
    db_session.flush()
    month = PurchaseMonth(
        id=1,
        company_id=company.id,
        period=OCTOBER,
        currency="PLN",
        rate=500,
        grace_days=7,
        multiplier_percent=100,
    )
    today = date(2026, 11, 1)
    summed = month_facts.facts_of_months(db_session, [month], today=today)[1]
    assert _as_compared(summed) == _as_compared(
        month_facts.month_facts(db_session, month, today=today)
    )
