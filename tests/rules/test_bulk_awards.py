"""The job's bulk path (rules.batches.award_many) gives what awarding one fact at a time gives,
and a cap reached mid-import holds across the job's batches and later imports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from club.leaderboard.models import CompanyTotal
from club.ledger.models import Entry
from club.ledger.signals import entries_posted
from club.ledger.verify import verify
from club.members.models import Company, MembershipStatus
from club.purchases import rewards
from club.purchases import services as purchases
from club.rules.batches import award_many
from club.rules.engine import Occurrence, award
from club.rules.models import Earning, RuleKind
from tests.purchases.test_services import Row

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def test_award_many_answers_as_awarding_one_by_one(db_session, club, make_rule):
    outsider = Company(name="Kandydat", tax_id="1111111111", country="PL")
    outsider.status = MembershipStatus.APPLICANT
    db_session.add(outsider)
    db_session.flush()
    rules = [
        make_rule(
            RuleKind.EINVOICE,
            points=10,
            cap_per_company=25,
            cap_per_person=15,
            budget=60,
        )
        for _ in range(2)
    ]
    a, b, holder = club.company.id, club.other_company.id, club.holder.id
    facts = [
        Occurrence(a, date(2026, 1, 5), "1", "D/1"),
        Occurrence(a, date(2026, 1, 6), "2", "D/2", person_id=holder),
        Occurrence(a, date(2026, 1, 6), "2", "D/2 again", person_id=holder),  # the same
        Occurrence(a, date(2026, 1, 7), "3", "D/3", person_id=holder),  # person cap: 5
        Occurrence(a, date(2026, 1, 8), "4", "D/4"),  # company cap reached
        Occurrence(outsider.id, date(2026, 1, 8), "5", "D/5"),  # not a member
        Occurrence(a, date(2026, 2, 1), "6", "D/6"),  # a new month
        Occurrence(b, date(2026, 2, 2), "7", "D/7"),
        Occurrence(b, date(2026, 2, 3), "8", "D/8"),
        Occurrence(b, date(2026, 2, 4), "9", "D/9"),  # the budget's last 5
    ]
    one_by_one = [award(db_session, rules[0], fact, now=NOW) for fact in facts]
    assert award_many(db_session, rules[1], facts, now=NOW) == 7
    assert award_many(db_session, rules[1], facts, now=NOW) == 0  # once per source

    def earned(rule):
        found = db_session.scalars(
            select(Earning).where(Earning.rule_id == rule.id).order_by(Earning.source_key)
        )
        return [(e.source_key, e.company_id, e.person_id, e.points) for e in found]

    assert earned(rules[0]) == earned(rules[1])
    # (the same source again answers with its first earning)
    assert [e and e.points for e in one_by_one] == [10, 10, 10, 5, None, None, 10, 10, 10, 5]
    assert rules[0].spent_points == rules[1].spent_points == 60
    entries = db_session.scalars(
        select(Entry).where(Entry.source_id == str(rules[1].id)).order_by(Entry.id)
    ).all()
    # One statement line per company and person, naming its documents.
    assert [(e.available_delta, e.person_id) for e in entries] == [
        (20, None),
        (15, holder),
        (25, None),
    ]
    assert entries[0].idempotency_key == f"rule:{rules[1].id}:1"
    assert entries[2].details["document"] == "D/7, D/8, D/9"
    assert verify(db_session).problems == []


def test_award_many_without_limits_answers_as_one_by_one(db_session, club, make_rule):
    """A rate per amount with no cap and no budget (the fast path: no limit looked up)
    gives the same earnings and capped flags as awarding one fact at a time."""
    rules = [
        make_rule(
            RuleKind.PRODUCT_GROUP,
            points=2,
            per_amount=Decimal(500),
            currency="PLN",
            product_group="panele",
        )
        for _ in range(2)
    ]
    a, b = club.company.id, club.other_company.id
    amounts = [Decimal("1499.99"), Decimal("500"), Decimal("499.99"), Decimal("-20"), None]
    facts = [
        Occurrence(company, date(2026, 1, 5 + n), f"g:{n}", f"F/{n}", amount=amount)
        for n, (company, amount) in enumerate((c, x) for c in (a, b) for x in amounts)
    ]
    one_by_one = [award(db_session, rules[0], fact, now=NOW) for fact in facts]
    assert award_many(db_session, rules[1], facts, now=NOW) == 4

    def earned(rule):
        found = db_session.scalars(
            select(Earning).where(Earning.rule_id == rule.id).order_by(Earning.source_key)
        )
        return [(e.source_key, e.company_id, e.points, e.earned_on, e.created_at) for e in found]

    assert earned(rules[0]) == earned(rules[1])
    assert [e and e.points for e in one_by_one] == [4, 2, None, None, None] * 2
    assert rules[0].spent_points == rules[1].spent_points == 12
    entries = db_session.scalars(
        select(Entry).where(Entry.source_id == str(rules[1].id)).order_by(Entry.id)
    ).all()
    assert [e.available_delta for e in entries] == [6, 6]
    assert [e.details["capped"] for e in entries] == [False, False]
    assert entries[0].details["amount"] == "1999.99"
    assert verify(db_session).problems == []


def test_a_cap_reached_mid_import_holds_across_batches_and_imports(
    db_session, club, make_rule, monkeypatch
):
    monkeypatch.setattr(rewards, "BATCH", 2)
    make_rule(
        RuleKind.PRODUCT_GROUP,
        product_group="inverters",
        per_amount=Decimal("100"),
        currency="PLN",
        points=1,
        cap_per_company=25,
        start=date(2026, 2, 1),
    )
    tax_id = club.company.tax_id

    def line(number, issued, group="inverters"):
        return Row(
            number, tax_id, issued, date(2026, 4, 30), Decimal("1000.00"),
            paid_date=issued, product_group=group,
        )  # fmt: skip

    purchases.record_invoices(
        db_session,
        [line(f"G/{n}", date(2026, 3, 2 + n)) for n in range(4)]
        + [line("C/1", date(2026, 3, 2), "cables")],
        now=NOW,
    )
    assert rewards.award_invoice_rules(db_session, now=NOW) == 3  # 10, 10, then 5 left

    purchases.record_invoices(
        db_session, [line("G/9", date(2026, 3, 19)), line("G/10", date(2026, 2, 27))], now=NOW
    )
    assert rewards.award_invoice_rules(db_session, now=NOW) == 1  # February's cap is its own
    points = db_session.execute(
        select(Earning.source_key, Earning.points).order_by(Earning.id)
    ).all()
    assert [p for _key, p in points] == [10, 10, 5, 10]
    assert verify(db_session).problems == []


def test_the_job_announces_its_entries_once_and_the_boards_agree(
    db_session, club, make_rule, monkeypatch
):
    """The job's ledger entries reach the listeners (rollups, score counts, outbox) in
    one `entries_posted`, after every batch of every rule, whichever way a rule is
    awarded (in order, a batch at a time, for a capped rule; by the database for the
    other): the rollups and score counts then equal what the ledger says (verify
    recomputes them), as when each batch was announced on its own."""
    monkeypatch.setattr(rewards, "BATCH", 2)  # several batches for the capped rule
    rules = [
        make_rule(
            RuleKind.PRODUCT_GROUP, product_group=group, per_amount=Decimal("100"),
            currency="PLN", points=points, start=date(2026, 2, 1), cap_per_company=cap,
        )
        for group, points, cap in (("inverters", 2, 1000), ("panels", 1, None))
    ]  # fmt: skip
    lines = [
        Row(
            f"{company.tax_id}/{n}", company.tax_id, date(2026, 3, 2 + n), date(2026, 4, 30),
            Decimal("1000.00"), paid_date=date(2026, 3, 2 + n),
            product_group=("inverters", "panels")[n % 2],
        )
        for company in (club.company, club.other_company)
        for n in range(5)
    ]  # fmt: skip
    purchases.record_invoices(db_session, lines, now=NOW)
    heard = []
    with entries_posted.connected_to(lambda _session, rows: heard.append(len(rows))):
        assert rewards.award_invoice_rules(db_session, now=NOW) == 10
    entries = db_session.scalar(
        select(func.count())
        .select_from(Entry)
        .where(Entry.source_id.in_([str(rule.id) for rule in rules]))
    )
    # The capped rule: one per company and batch (4); the other: one per company (2).
    assert entries == 6
    assert heard == [entries]
    assert verify(db_session).problems == []
    # Each company: 3 inverter lines of 20 points and 2 panel lines of 10.
    totals = dict(
        db_session.execute(
            select(CompanyTotal.company_id, CompanyTotal.points).where(CompanyTotal.period == "ALL")
        ).all()
    )
    assert totals[club.company.id] == totals[club.other_company.id] == 80
    assert rewards.award_invoice_rules(db_session, now=NOW) == 0
