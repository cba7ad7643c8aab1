"""The rollups follow the ledger: what counts, in which period, reversals, rebuild,
verify, and many writers at once."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import event, select, text

from club.core.roles import Role
from club.extensions import db
from club.leaderboard.models import CompanyTotal, PersonTotal
from club.leaderboard.rollups import rebuild, record
from club.ledger import services as ledger
from club.ledger.models import Entry
from club.ledger.verify import verify
from club.purchases import services as purchases
from tests.conftest import make_test_app
from tests.leaderboard.conftest import at, company_points, earn, person_points
from tests.purchases.test_services import invoice, run_jobs
from tests.race import race


def _snapshot(session):
    people = session.execute(
        select(
            PersonTotal.period, PersonTotal.person_id, PersonTotal.points, PersonTotal.reached_at
        )
    ).all()
    companies = session.execute(
        select(
            CompanyTotal.period,
            CompanyTotal.company_id,
            CompanyTotal.points,
            CompanyTotal.reached_at,
            CompanyTotal.activity_points,
            CompanyTotal.activity_reached_at,
        )
    ).all()
    return sorted(map(tuple, people)), sorted(map(tuple, companies))


def test_an_earning_counts_in_its_month_quarter_year_and_all_time_in_club_time(db_session, club):
    # 22:30 UTC on 30 September is 00:30 on 1 October in Warsaw.
    earn(db_session, club.staff, 40, at(2026, 9, 30, 22, 30))
    for period in ("M2026-10", "Q2026-4", "Y2026", "ALL"):
        assert person_points(db_session, club.staff, period) == 40
        assert company_points(db_session, club.company, period) == (40, 40)
    assert person_points(db_session, club.staff, "M2026-09") is None
    assert company_points(db_session, club.other_company, "ALL") is None
    assert verify(db_session).problems == []


def test_spending_confirming_and_expiry_change_no_board(db_session, club):
    earn(db_session, club.staff, 100, at(2024, 1, 10))
    wallet = ledger.wallet_for(db_session, club.company.id)
    first = ledger.hold(db_session, wallet, 30, source=ledger.Source("redemption", "1"))
    ledger.capture(db_session, first)
    second = ledger.hold(db_session, wallet, 20, source=ledger.Source("redemption", "2"))
    ledger.release(db_session, second)
    ledger.expire_due(db_session)  # 24 months after January 2024: all of it
    assert wallet.available == 0
    earn(db_session, club.holder, 8, at(2026, 10, 2), pending=True, source=("referral", "9"))
    ledger.confirm(
        db_session, wallet, 8, source=ledger.Source("referral", "9"), earned_at=at(2026, 11, 3)
    )
    assert person_points(db_session, club.staff, "ALL") == 100
    assert person_points(db_session, club.holder, "M2026-10") == 8
    assert company_points(db_session, club.company, "ALL") == (108, 108)
    assert company_points(db_session, club.company, "M2026-11") is None
    assert verify(db_session).problems == []


def test_adjustments_count_as_company_activity_both_ways(db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    now = at(2026, 10, 5)
    ledger.adjust(db_session, wallet, 50, reason="goodwill", actor=club.club_manager, now=now)
    ledger.adjust(db_session, wallet, -20, reason="mistake", actor=club.club_manager, now=now)
    assert company_points(db_session, club.company, "M2026-10") == (30, 30)
    assert db_session.scalar(select(PersonTotal.id)) is None
    assert verify(db_session).problems == []


def test_a_forfeit_lowers_the_period_of_the_earning_it_reverses(db_session, club):
    earn(db_session, club.staff, 12, at(2026, 3, 10), pending=True, source=("referral", "7"))
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.forfeit(db_session, wallet, 5, source=ledger.Source("referral", "7"), now=at(2026, 5, 2))
    assert company_points(db_session, club.company, "M2026-03") == (7, 7)
    assert company_points(db_session, club.company, "M2026-05") is None
    assert verify(db_session).problems == []


def test_purchase_points_count_in_their_month_and_forfeits_and_clawbacks_lower_it(db_session, club):
    company = club.company
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company, "FV/9/1", "2000", date(2026, 9, 1), date(2026, 9, 20), date(2026, 9, 15)
            ),
            invoice(company, "FV/9/2", "1500", date(2026, 9, 10), date(2026, 9, 30)),
        ],
        now=at(2026, 9, 16),
    )
    earn(db_session, club.staff, 5, at(2026, 9, 20))
    run_jobs(db_session, date(2026, 10, 1))  # the month closes: 7 pending, 4 confirmed
    # Stamped 30 September 23:59:59 UTC (October in Warsaw), but September's purchases.
    assert company_points(db_session, company, "M2026-09") == (12, 5)
    assert company_points(db_session, company, "M2026-10") is None
    run_jobs(db_session, date(2026, 10, 8))  # FV/9/2 unpaid when its window closed
    assert company_points(db_session, company, "M2026-09") == (9, 5)
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "KOR/9/1",
                "-2500",
                date(2026, 9, 30),
                date(2026, 9, 30),
                kind="credit_note",
            )
        ],
        now=at(2026, 11, 2),
    )  # 2 of the 4 confirmed points are clawed back
    for period in ("M2026-09", "Q2026-3", "Y2026", "ALL"):
        assert company_points(db_session, company, period) == (7, 5)
    assert person_points(db_session, club.staff, "M2026-09") == 5
    assert verify(db_session).problems == []


def test_a_clawback_takes_what_the_credit_note_took_even_when_carried(db_session, club):
    company = club.company
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company, "FV/9/1", "2000", date(2026, 9, 1), date(2026, 9, 20), date(2026, 9, 15)
            )
        ],
        now=at(2026, 9, 16),
    )
    run_jobs(db_session, date(2026, 10, 1))
    wallet = ledger.wallet_for(db_session, company.id)
    ledger.capture(db_session, ledger.hold(db_session, wallet, 3, source=ledger.Source("r", "1")))
    purchases.record_invoices(
        db_session,
        [
            invoice(
                company,
                "KOR/9/1",
                "-2000",
                date(2026, 9, 30),
                date(2026, 9, 30),
                kind="credit_note",
            )
        ],
        now=at(2026, 11, 2),
    )  # 4 points asked back, 1 available: 3 carried as a shortfall
    assert wallet.shortfall == 3
    assert company_points(db_session, company, "M2026-09") == (0, 0)
    earn(db_session, club.staff, 10, at(2026, 11, 5))  # pays off the shortfall
    assert company_points(db_session, company, "M2026-11") == (10, 10)
    assert verify(db_session).problems == []


def test_many_months_closed_at_once_fill_the_rollups_too(db_session, club):
    rows = [
        invoice(
            company,
            f"FV/{company.id}/{month}",
            "1000",
            date(2026, month, 2),
            date(2026, month, 20),
            date(2026, month, 10),
        )
        for company in (club.company, club.other_company)
        for month in (7, 8, 9)
    ]
    purchases.record_invoices(db_session, rows, now=at(2026, 9, 25))
    run_jobs(db_session, date(2026, 10, 1))  # closes six months together
    for company in (club.company, club.other_company):
        for month in (7, 8, 9):
            assert company_points(db_session, company, f"M2026-{month:02d}") == (2, 0)
        assert company_points(db_session, company, "Q2026-3") == (6, 0)
    assert verify(db_session).problems == []


def test_record_takes_entries_as_dicts_of_driver_values(db_session, club):
    entry = earn(db_session, club.staff, 9, at(2026, 2, 1))
    record(
        db_session,
        [
            {
                "id": entry.id + 1000,
                "wallet_id": entry.wallet_id,
                "kind": "earn",
                "amount": 4,
                "source_type": "purchase_month",
                "source_id": "1",
                "details": '{"period": "2026-01"}',
                "created_at": "2026-02-01 00:00:00.000000",
                "earned_at": "2026-01-31 23:59:59.000000",
            },
            {
                "id": 0,
                "wallet_id": entry.wallet_id,
                "kind": "confirm",
                "amount": 4,
                "source_type": "x",
                "source_id": "1",
                "created_at": "2026-02-01 00:00:00",
            },
        ],
    )
    assert company_points(db_session, club.company, "M2026-01") == (4, 0)
    assert company_points(db_session, club.company, "M2026-02") == (9, 9)


def test_rebuild_matches_the_live_rollups_after_random_operations(db_session, club, make_user):
    chooser = random.Random(20261128)
    companies = [club.company, club.other_company]
    people = [club.staff, club.holder, club.other_staff, club.other_holder]
    people += [make_user(Role.PARTNER_STAFF, club.company) for _ in range(2)]
    holds, pendings = [], []
    for step in range(150):
        when = at(
            chooser.choice([2025, 2026]),
            chooser.randint(1, 10),
            chooser.randint(1, 28),
            chooser.randint(0, 23),
            chooser.randint(0, 59),
        )
        company = chooser.choice(companies)
        wallet = ledger.wallet_for(db_session, company.id)
        move = chooser.random()
        if move < 0.45:
            person = chooser.choice([p for p in people if p.company_id == company.id] + [None])
            pending = chooser.random() < 0.2
            source = ("quiz", str(step)) if not pending else ("referral", str(step))
            earn(
                db_session,
                person or company,
                chooser.randint(1, 60),
                when,
                pending=pending,
                source=source,
            )
            if pending:
                pendings.append((wallet, source))
        elif move < 0.6 and pendings:
            wallet, source = pendings.pop(chooser.randrange(len(pendings)))
            # The pending entry of that source: a clawback may carry the same source_id.
            entry = db_session.scalar(
                select(Entry).where(Entry.source_type == source[0], Entry.source_id == source[1])
            )
            if chooser.random() < 0.5:
                ledger.forfeit(
                    db_session, wallet, entry.amount, source=ledger.Source(*source), now=when
                )
            else:
                ledger.confirm(
                    db_session,
                    wallet,
                    entry.amount,
                    source=ledger.Source(*source),
                    earned_at=when,
                    now=when,
                )
        elif move < 0.75 and wallet.available >= 5:
            holds.append(ledger.hold(db_session, wallet, 5, source=ledger.Source("r", str(step))))
        elif move < 0.85 and holds:
            taken = holds.pop()
            (ledger.capture if chooser.random() < 0.5 else ledger.release)(db_session, taken)
        elif move < 0.92 and wallet.available >= 3:
            ledger.clawback(
                db_session,
                wallet,
                chooser.randint(1, 6),
                source=ledger.Source("quiz", str(step - 1)),
                now=when,
            )
        else:
            points = chooser.choice([7, 15, -2]) if wallet.available >= 2 else 7
            ledger.adjust(
                db_session, wallet, points, reason="test", actor=club.club_manager, now=when
            )
    db_session.flush()
    assert verify(db_session).problems == []
    live = _snapshot(db_session)
    assert live[0] and live[1]
    done = rebuild(db_session)
    assert (done.people, done.companies) == (len(live[0]), len(live[1]))
    assert _snapshot(db_session) == live


def test_verify_reports_a_tampered_rollup(db_session, club):
    earn(db_session, club.staff, 10, at(2026, 10, 1))
    db_session.execute(
        text("UPDATE leaderboard_person SET points = points + 1 WHERE period = 'M2026-10'")
    )
    db_session.execute(text("DELETE FROM leaderboard_company WHERE period = 'ALL'"))
    problems = verify(db_session).problems
    assert any(
        p.startswith(f"leaderboard person {club.staff.id} M2026-10: rollup has 11 points")
        for p in problems
    ), problems
    assert any(
        p.startswith(f"leaderboard company {club.company.id} ALL: rollup has no row")
        for p in problems
    ), problems
    rebuild(db_session)
    assert verify(db_session).problems == []


def test_the_verify_command_runs_the_rollup_check_beside_the_ledgers(app, db_session, club):
    earn(db_session, club.staff, 10, at(2026, 10, 1))
    db_session.execute(
        text("UPDATE leaderboard_person SET points = points + 1 WHERE period = 'M2026-10'")
    )
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["club", "ledger", "verify"])
    assert result.exit_code == 1
    assert f"leaderboard person {club.staff.id} M2026-10: rollup has 11 points" in result.output


def test_the_rollups_listen_once_however_many_apps_a_process_makes(database_url, db_session, club):
    # The tests make an app per database, a server may make several: an entry still
    # counts once on the boards.
    make_test_app(database_url, None)
    earn(db_session, club.staff, 10, at(2026, 10, 1))
    assert person_points(db_session, club.staff, "ALL") == 10
    assert company_points(db_session, club.company, "ALL") == (10, 10)


@pytest.mark.real_commits  # threads racing, each on its own connection
def test_many_writers_at_once_keep_the_rollups_equal_to_the_ledger(app, db_session, club):
    staff_id, company_id = club.staff.id, club.company.id
    ledger.wallet_for(db_session, company_id)
    db_session.commit()

    def work(index: int):
        from club.members.models import User

        person = db.session.get(User, staff_id)
        for attempt in range(4):
            wallet = ledger.wallet_for(db.session, company_id)
            ledger.earn(
                db.session,
                wallet,
                3 + index,
                source=ledger.Source("quiz", f"{index}-{attempt}"),
                person=person if attempt % 2 == 0 else None,
            )
            db.session.commit()
        return index

    race(app, work, 8)
    db_session.expire_all()
    total = sum(4 * (3 + index) for index in range(8))
    personal = sum(2 * (3 + index) for index in range(8))
    assert company_points(db_session, club.company, "ALL") == (total, total)
    assert person_points(db_session, club.staff, "ALL") == personal
    assert verify(db_session).problems == []


def test_an_earning_is_written_in_one_statement_on_postgresql(db_session, club):
    earn(db_session, club.staff, 10, at(2026, 10, 1))  # the wallet exists, loaded
    wallet = ledger.wallet_for(db_session, club.company.id)
    sent: list[str] = []
    engine = db.engine

    def seen(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()[:2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        ledger.earn(
            db_session,
            wallet,
            30,
            source=ledger.Source("quiz", "2"),
            person=club.staff,
            idempotency_key="one-statement",
            now=at(2026, 10, 2),
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    if engine.dialect.name == "postgresql":
        # The lock and the key's look-up go first, pipelined on the driver's connection
        # (no SQLAlchemy statement); then everything else at once.
        assert sent == ["WITH balances"]
    else:
        assert len(sent) > 3
    assert person_points(db_session, club.staff, "M2026-10") == 40
    assert company_points(db_session, club.company, "ALL") == (40, 40)
    assert verify(db_session).problems == []


@pytest.mark.parametrize("zone", ["Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"])
def test_the_sqlite_rebuild_puts_each_stored_moment_in_the_club_month(zone):
    """The rebuild on SQLite works a moment's month out once per hour: around each month's
    start (also in zones half an hour off UTC, and across summer time) it must still give
    the club calendar's month, for moments as SQLite stores them."""
    from datetime import UTC, datetime, timedelta

    from flask import Flask

    from club.core import periods
    from club.leaderboard.rebuild import _sqlite_month_by_hour

    app = Flask(__name__)
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    with app.app_context():
        club_month = _sqlite_month_by_hour()
        for month_start in (date(2026, 3, 1), date(2026, 4, 1), date(2026, 11, 1)):
            start = periods.local_midnight(month_start).astimezone(UTC)
            moment = start - timedelta(hours=2)
            while moment < start + timedelta(hours=2):
                stored = moment.replace(tzinfo=None).isoformat(" ", "microseconds")
                assert club_month(stored) == periods.month_of(moment).key, stored
                moment += timedelta(minutes=15, seconds=1)
        assert (
            club_month("2026-04-30T23:59:59")
            == periods.month_of(datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC)).key
        )
        assert club_month(None) is None
