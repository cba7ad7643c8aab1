"""Worked examples of earning from purchases (DESIGN.md, "The points economy")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.core.clock import as_utc
from club.core.periods import local
from club.jobs import close_months, expire_points, settle_payment_windows
from club.ledger import services as ledger
from club.ledger.models import Entry, EntryKind
from club.ledger.verify import verify
from club.purchases import services as purchases
from club.purchases.errors import PurchasesError
from club.purchases.models import Invoice, PurchaseMonth


@dataclass(frozen=True)
class Row:
    number: str
    tax_id: str
    issue_date: date
    due_date: date
    net_amount: Decimal
    paid_date: date | None = None
    kind: str = "invoice"
    currency: str = "PLN"
    line: int = 2
    country: str | None = None
    product_group: str | None = None


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def company(club):
    return club.company


def invoice(company, number, amount, issued, due, paid=None, kind="invoice"):
    return Row(number, company.tax_id, issued, due, Decimal(amount), paid, kind)


def balances(db_session, company):
    wallet = ledger.wallet_for(db_session, company.id)
    db_session.refresh(wallet)
    return wallet.available, wallet.pending, wallet.held


def run_jobs(db_session, day: date):
    now = at(day)
    close_months(db_session, now=now)
    settle_payment_windows(db_session, now=now)
    expire_points(db_session, now=now)
    db_session.flush()
    assert verify(db_session).problems == []


def test_a_month_earns_floor_of_total_over_rate_pending_until_paid(db_session, company):
    purchases.record_invoices(
        db_session,
        [
            invoice(company, "FV/10/1", "1249.99", date(2026, 10, 3), date(2026, 10, 20)),
            invoice(company, "FV/10/2", "260.00", date(2026, 10, 15), date(2026, 10, 30)),
        ],
        now=at(date(2026, 10, 16)),
    )
    run_jobs(db_session, date(2026, 10, 31))
    assert balances(db_session, company) == (0, 0, 0)  # the month has not ended
    run_jobs(db_session, date(2026, 11, 1))
    assert balances(db_session, company) == (0, 3, 0)  # 1509.99 / 500 = 3.02 -> 3


def test_paid_in_time_confirms_late_payment_forfeits(db_session, company):
    purchases.record_invoices(
        db_session,
        [
            invoice(company, "FV/10/1", "1000", date(2026, 10, 1), date(2026, 10, 20)),
            invoice(company, "FV/10/2", "1500", date(2026, 10, 10), date(2026, 10, 31)),
        ],
        now=at(date(2026, 10, 10)),
    )
    run_jobs(db_session, date(2026, 11, 1))
    assert balances(db_session, company) == (0, 5, 0)
    # Paid within due date + 7 grace days (window ends 27 October).
    purchases.record_payment(db_session, "FV/10/1", date(2026, 10, 25), now=at(date(2026, 11, 2)))
    assert balances(db_session, company) == (2, 3, 0)
    # The second is paid on 10 November: its window ended on 7 November.
    purchases.record_payment(db_session, "FV/10/2", date(2026, 11, 10), now=at(date(2026, 11, 10)))
    run_jobs(db_session, date(2026, 11, 10))
    assert balances(db_session, company) == (2, 0, 0)
    forfeit = db_session.scalar(select(Entry).where(Entry.kind == EntryKind.FORFEIT))
    assert forfeit.amount == -3
    assert forfeit.details["late"] == [{"number": "FV/10/2", "days_late": 3}]
    month = db_session.scalar(select(PurchaseMonth))
    assert month.settled_at is not None


def test_unpaid_points_are_forfeited_when_the_last_window_closes(db_session, company):
    purchases.record_invoices(
        db_session,
        [
            invoice(company, "FV/10/1", "2000", date(2026, 10, 1), date(2026, 10, 31)),
        ],
        now=at(date(2026, 10, 2)),
    )
    run_jobs(db_session, date(2026, 11, 7))
    assert balances(db_session, company) == (0, 4, 0)  # window ends 7 November
    run_jobs(db_session, date(2026, 11, 8))
    assert balances(db_session, company) == (0, 0, 0)
    forfeit = db_session.scalar(select(Entry).where(Entry.kind == EntryKind.FORFEIT))
    assert forfeit.details["unpaid"] == [{"number": "FV/10/1", "window_end": "2026-11-07"}]


def test_a_credit_note_claws_back_confirmed_points(db_session, company):
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "FV/10/1",
                "2000",
                date(2026, 10, 1),
                date(2026, 10, 15),
                paid=date(2026, 10, 10),
            ),
        ],
        now=at(date(2026, 10, 10)),
    )
    run_jobs(db_session, date(2026, 11, 1))
    assert balances(db_session, company) == (4, 0, 0)
    report = purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "KOR/10/1",
                "-1000",
                date(2026, 10, 30),
                date(2026, 10, 30),
                kind="credit_note",
            ),
        ],
        now=at(date(2026, 12, 1)),
    )
    assert report.created == 1 and report.months_settled == 1
    assert balances(db_session, company) == (2, 0, 0)
    clawback = db_session.scalar(select(Entry).where(Entry.kind == EntryKind.CLAWBACK))
    assert clawback.amount == -2
    assert verify(db_session).problems == []


def test_a_clawback_never_goes_below_zero_and_the_shortfall_is_carried(db_session, company, club):
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "FV/10/1",
                "2000",
                date(2026, 10, 1),
                date(2026, 10, 15),
                paid=date(2026, 10, 10),
            ),
        ],
        now=at(date(2026, 10, 10)),
    )
    run_jobs(db_session, date(2026, 11, 1))
    wallet = ledger.wallet_for(db_session, company.id)
    spent = ledger.hold(
        db_session, wallet, 3, source=ledger.Source("redemption", "1"), now=at(date(2026, 11, 2))
    )
    ledger.capture(db_session, spent, now=at(date(2026, 11, 3)))
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "KOR/10/1",
                "-2000",
                date(2026, 10, 31),
                date(2026, 10, 31),
                kind="credit_note",
            ),
        ],
        now=at(date(2026, 11, 20)),
    )
    db_session.refresh(wallet)
    assert (wallet.available, wallet.shortfall) == (0, 3)
    # The next confirmed points pay the shortfall first.
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "FV/11/1",
                "2500",
                date(2026, 11, 5),
                date(2026, 11, 20),
                paid=date(2026, 11, 20),
            ),
        ],
        now=at(date(2026, 11, 21)),
    )
    run_jobs(db_session, date(2026, 12, 1))
    db_session.refresh(wallet)
    assert (wallet.available, wallet.shortfall) == (2, 0)


def test_a_rule_change_applies_from_its_month_and_never_rewrites_history(db_session, company, club):
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 7, 1),
        rates={"PLN": 250},
        grace_days=7,
        actor=club.club_manager,
        now=at(date(2026, 6, 10)),
    )
    purchases.record_invoices(
        db_session,
        [
            invoice(company, "FV/06/1", "1000", date(2026, 6, 5), date(2026, 6, 20)),
            invoice(company, "FV/07/1", "1000", date(2026, 7, 5), date(2026, 7, 20)),
        ],
        now=at(date(2026, 7, 6)),
    )
    run_jobs(db_session, date(2026, 8, 1))
    months = {m.period: m for m in db_session.scalars(select(PurchaseMonth))}
    assert months[date(2026, 6, 1)].earned == 2  # 1000 / 500
    assert months[date(2026, 7, 1)].earned == 4  # 1000 / 250
    # A later rule does not touch the months already closed.
    purchases.set_rule(
        db_session,
        effective_from=date(2026, 9, 1),
        rates={"PLN": 100},
        grace_days=0,
        actor=club.club_manager,
        now=at(date(2026, 8, 2)),
    )
    run_jobs(db_session, date(2026, 8, 3))
    assert months[date(2026, 7, 1)].rate == 250


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2026, 7, 15), "start of a month"),
        (date(2026, 5, 1), "past month"),
    ],
)
def test_rule_dates_are_checked(db_session, club, day, message):
    with pytest.raises(PurchasesError, match=message):
        purchases.set_rule(
            db_session,
            effective_from=day,
            rates={"PLN": 250},
            grace_days=7,
            actor=club.club_manager,
            now=at(date(2026, 6, 10)),
        )


def test_jobs_catch_up_and_running_twice_changes_nothing(db_session, company):
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "FV/08/1",
                "1000",
                date(2026, 8, 5),
                date(2026, 8, 20),
                paid=date(2026, 8, 20),
            ),
            invoice(
                company,
                "FV/09/1",
                "1500",
                date(2026, 9, 5),
                date(2026, 9, 20),
                paid=date(2026, 9, 21),
            ),
        ],
        now=at(date(2026, 9, 21)),
    )
    run_jobs(db_session, date(2026, 11, 1))  # August and September were never closed
    assert balances(db_session, company) == (5, 0, 0)
    entries = db_session.scalar(select(func.count()).select_from(Entry))
    run_jobs(db_session, date(2026, 11, 1))
    run_jobs(db_session, date(2026, 11, 2))
    assert db_session.scalar(select(func.count()).select_from(Entry)) == entries


def test_resending_an_invoice_updates_its_payment_and_never_counts_twice(db_session, company):
    row = invoice(company, "FV/10/1", "1000", date(2026, 10, 1), date(2026, 10, 20))
    purchases.record_invoices(db_session, [row], now=at(date(2026, 10, 2)))
    run_jobs(db_session, date(2026, 11, 1))
    report = purchases.record_invoices(
        db_session,
        [row, Row(**{**row.__dict__, "paid_date": date(2026, 10, 19)})],
        now=at(date(2026, 11, 2)),
    )
    assert (report.created, report.unchanged, report.updated) == (0, 1, 1)
    assert balances(db_session, company) == (2, 0, 0)
    assert db_session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_unknown_company_and_changed_amount_are_rejected_good_rows_go_in(db_session, company):
    purchases.record_invoices(
        db_session,
        [invoice(company, "FV/10/1", "1000", date(2026, 10, 1), date(2026, 10, 20))],
        now=at(date(2026, 10, 2)),
    )
    report = purchases.record_invoices(
        db_session,
        [
            Row("FV/10/9", "9999999999", date(2026, 10, 1), date(2026, 10, 20), Decimal(5), line=2),
            Row(
                "FV/10/1",
                company.tax_id,
                date(2026, 10, 1),
                date(2026, 10, 20),
                Decimal(999),
                line=3,
            ),
            invoice(company, "FV/10/2", "300", date(2026, 10, 2), date(2026, 10, 20)),
        ],
        now=at(date(2026, 10, 3)),
    )
    assert report.created == 1
    assert [line for line, _ in report.rejected] == [2, 3]
    assert "No company in PL has the tax id 9999999999" in report.rejected[0][1]
    assert "credit note" in report.rejected[1][1]


def test_purchase_points_expire_24_months_after_their_month(db_session, company):
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "FV/10/1",
                "1000",
                date(2026, 10, 1),
                date(2026, 10, 20),
                paid=date(2026, 10, 20),
            ),
        ],
        now=at(date(2026, 10, 20)),
    )
    run_jobs(db_session, date(2026, 11, 1))
    wallet = ledger.wallet_for(db_session, company.id)
    upcoming = ledger.next_expiry(db_session, wallet)
    assert upcoming.points == 2 and upcoming.expires_at.date() == date(2028, 10, 31)
    run_jobs(db_session, date(2028, 11, 1))
    assert balances(db_session, company) == (0, 0, 0)


def test_a_months_points_are_earned_at_its_last_moment_in_the_club_zone(db_session, company):
    # Warsaw: June ends at 23:59:59 CEST (21:59:59 UTC), October at 23:59:59 CET
    # (22:59:59 UTC); a moment in UTC would already be in the next month there.
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company, "FV/6/1", "1000", date(2026, 6, 1), date(2026, 6, 20), date(2026, 6, 19)
            ),
            invoice(
                company, "FV/10/1", "500", date(2026, 10, 1), date(2026, 10, 20), date(2026, 10, 9)
            ),
        ],
        now=at(date(2026, 10, 10)),
    )
    run_jobs(db_session, date(2026, 11, 1))
    entries = db_session.scalars(select(Entry).order_by(Entry.id)).all()
    earned = {(entry.details["period"], entry.kind): as_utc(entry.earned_at) for entry in entries}
    june_end = datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC)
    october_end = datetime(2026, 10, 31, 22, 59, 59, tzinfo=UTC)
    assert earned == {
        ("2026-06", EntryKind.EARN): june_end,
        ("2026-06", EntryKind.CONFIRM): june_end,
        ("2026-10", EntryKind.EARN): october_end,
        ("2026-10", EntryKind.CONFIRM): october_end,
    }
    assert local(october_end).replace(tzinfo=None) == datetime(2026, 10, 31, 23, 59, 59)
    # Expiry runs from that moment: June's points expire at its last local second too.
    upcoming = ledger.next_expiry(db_session, ledger.wallet_for(db_session, company.id))
    assert upcoming.points == 2
    assert local(upcoming.expires_at).replace(tzinfo=None) == datetime(2028, 6, 30, 23, 59, 59)


def test_record_payment_refuses_nonsense(db_session, company):
    purchases.record_invoices(
        db_session,
        [invoice(company, "FV/10/1", "1000", date(2026, 10, 5), date(2026, 10, 20))],
        now=at(date(2026, 10, 6)),
    )
    with pytest.raises(PurchasesError, match="before the invoice date"):
        purchases.record_payment(db_session, "FV/10/1", date(2026, 10, 1))
    with pytest.raises(PurchasesError, match="no invoice"):
        purchases.record_payment(db_session, "FV/NOPE", date(2026, 10, 10))


def test_a_credit_note_for_an_unpaid_invoice_leaves_paid_points_alone(db_session, company):
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "FV/10/A",
                "10000",
                date(2026, 10, 1),
                date(2026, 10, 15),
                paid=date(2026, 10, 14),
            ),
            invoice(company, "FV/10/B", "10000", date(2026, 10, 2), date(2026, 10, 16)),
            invoice(
                company,
                "KOR/10/B",
                "-5000",
                date(2026, 10, 20),
                date(2026, 10, 20),
                kind="credit_note",
            ),
        ],
        now=at(date(2026, 10, 21)),
    )
    run_jobs(db_session, date(2026, 11, 1))
    # Total 15,000 -> 30 points; 10,000 paid in time -> 20 confirmed; 10 forfeited.
    assert balances(db_session, company) == (20, 0, 0)


def test_closing_many_months_at_once_posts_what_one_at_a_time_posts(db_session, club, make_company):
    # Two companies with the same invoices: one month closed alone (one movement at a
    # time), the other by the batch close (ledger.post_many). The ledger must agree.
    twin = make_company("Twin")
    for company in (club.company, twin):
        purchases.record_invoices(
            db_session,
            [
                invoice(
                    company,
                    f"FV/{company.id}/1",
                    "2600",
                    date(2026, 9, 2),
                    date(2026, 9, 15),
                    paid=date(2026, 9, 14),
                ),
                invoice(
                    company, f"FV/{company.id}/2", "1999.99", date(2026, 9, 20), date(2026, 9, 30)
                ),
                invoice(
                    company,
                    f"FV/{company.id}/3",
                    "4100",
                    date(2026, 10, 3),
                    date(2026, 10, 31),
                    paid=date(2026, 10, 30),
                ),
            ],
            now=at(date(2026, 10, 30)),
        )
    purchases.close_month(db_session, club.company.id, date(2026, 9, 1), now=at(date(2026, 11, 2)))
    purchases.close_month(db_session, club.company.id, date(2026, 10, 1), now=at(date(2026, 11, 2)))
    assert purchases.close_due_months(db_session, now=at(date(2026, 11, 2))) == 2

    def ledger_of(company):
        wallet = ledger.wallet_for(db_session, company.id)
        entries = db_session.scalars(
            select(Entry).where(Entry.wallet_id == wallet.id).order_by(Entry.id)
        ).all()

        def same_numbers(details):  # invoice numbers differ between the twins
            return {
                key: [{**item, "number": "-"} for item in value]
                if key in ("late", "unpaid")
                else value
                for key, value in (details or {}).items()
            }

        return (
            [
                (
                    e.kind,
                    e.amount,
                    e.available_delta,
                    e.pending_delta,
                    e.earned_at,
                    same_numbers(e.details),
                )
                for e in entries
            ],
            (wallet.available, wallet.pending, wallet.held),
        )

    alone, batched = ledger_of(club.company), ledger_of(twin)
    assert alone == batched
    assert [kind for kind, *_ in alone[0]] == [
        EntryKind.EARN,
        EntryKind.CONFIRM,
        EntryKind.FORFEIT,
        EntryKind.EARN,
        EntryKind.CONFIRM,
    ]
    assert verify(db_session).problems == []
