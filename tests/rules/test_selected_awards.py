"""A rule without a cap or budget is awarded by the database (rules.selected.award_selected):
it must give exactly what awarding the same invoices in order gives (rules.batches.award_many,
the path of capped rules), which the one-at-a-time `award` is checked against elsewhere.

Each test makes two rules with the same versions; one has a budget far beyond what the
invoices can earn, which sends it down the ordered path without ever holding it back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from club.ledger.models import Entry
from club.ledger.verify import verify
from club.members.models import MembershipStatus
from club.members.tiers import ensure_default_tiers
from club.purchases.models import Invoice, InvoiceKind
from club.purchases.rewards import award_invoice_rules
from club.rules import engine, services
from club.rules.models import Audience, Earning, Rule, RuleKind, RuleVersion

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
NEVER_REACHED = 10**9  # a budget: sends a rule down the ordered path, never binds

# Amounts whose cents a float gets wrong (0.29 * 100 = 28.999999999999996), amounts
# just under, at and over a rate's step, none, and a big one.
AMOUNTS = [
    "0.00", "0.01", "0.29", "0.58", "1.15", "4.35", "8.20", "499.99", "500.00", "500.01",
    "1234.56", "1499.99", "70000.07",
]  # fmt: skip
GROUPS = ["inverters", "panels", None]
CURRENCIES = ["PLN", "PLN", "EUR"]


def _twin_rules(db_session, club, kind: RuleKind, audience: Audience, **terms):
    """Two rules alike but for the budget, each with two versions: the second from 15
    February at another rate, ending on 10 March."""
    company_ids, tier_id = [], None
    if audience == Audience.COMPANIES:
        company_ids = [club.company.id]
    if audience == Audience.TIER:
        tiers = {tier.code: tier for tier in ensure_default_tiers(db_session)}
        club.other_company.tier_id = tiers["silver"].id
        tier_id = tiers["silver"].id
    if audience == Audience.PILOT:
        club.other_company.is_pilot = True

    def data(**changes):
        fields = {
            "kind": kind,
            "name_en": "Double points",
            "name_pl": "Podwójne punkty",
            "name_ru": "Двойные баллы",
            "effective_from": date(2026, 2, 1),
            "points": 2,
            "audience": audience,
            "company_ids": company_ids,
            "tier_id": tier_id,
            **terms,
        }
        return services.RuleData(**{**fields, **changes})

    created = datetime(2026, 1, 10, tzinfo=UTC)
    rules = []
    for budget in (NEVER_REACHED, None):
        rule = services.create_rule(
            db_session, data(budget_points=budget), actor=club.club_manager, now=created
        )
        services.add_version(
            db_session,
            rule,
            data(
                budget_points=budget,
                effective_from=date(2026, 2, 15),
                ends_on=date(2026, 3, 10),
                points=3,
                per_amount=Decimal("0.29") if terms.get("per_amount") else None,
            ),
            actor=club.club_manager,
            now=created,
        )
        rules.append(rule)
    ordered, selected = rules
    assert engine.limited(ordered) and not engine.limited(selected)
    return ordered, selected


def _invoices(db_session, companies):
    """Invoices of every amount, group and currency, issued from 25 January to 19 March,
    paid early, on the due day, late or not at all; credit notes too."""
    day = date(2026, 1, 25)
    for n in range(120):
        company = companies[n % len(companies)]
        issued = day + timedelta(days=n % 54)
        due = issued + timedelta(days=14)
        paid = [issued + timedelta(days=2), due, due + timedelta(days=3), None][n % 4]
        credit = n % 17 == 0
        amount = Decimal(AMOUNTS[n % len(AMOUNTS)])
        db_session.add(
            Invoice(
                number=f"FV/{n:03d}/2026.",
                company_id=company.id,
                kind=InvoiceKind.CREDIT_NOTE if credit else InvoiceKind.INVOICE,
                issue_date=issued,
                period=issued.replace(day=1),
                due_date=due,
                net_amount=-amount if credit else amount,
                currency=CURRENCIES[(n // 5) % 3],
                paid_date=paid,
                product_group=GROUPS[(n // 3) % 3],
            )
        )
    db_session.flush()


def _earned(db_session, rule: Rule) -> list[tuple]:
    return db_session.execute(
        select(
            Earning.source_key,
            Earning.company_id,
            RuleVersion.number,
            Earning.points,
            Earning.earned_on,
            Earning.person_id,
        )
        .join(RuleVersion, RuleVersion.id == Earning.version_id)
        .where(Earning.rule_id == rule.id)
        .order_by(Earning.source_key)
    ).all()


def _lines(db_session, rule: Rule) -> list[tuple]:
    """The rule's statement lines: wallet, points, details and key, without the rule's id."""
    entries = db_session.scalars(select(Entry).where(Entry.source_id == str(rule.id))).all()
    lines = [
        (
            entry.wallet_id,
            entry.available_delta,
            entry.kind,
            {key: value for key, value in entry.details.items() if key != "rule"},
            entry.idempotency_key.split(":", 2)[2],
        )
        for entry in entries
    ]
    return sorted(lines, key=lambda line: (line[0], line[3]["version"]))


@pytest.mark.parametrize(
    "audience", [Audience.ALL, Audience.PILOT, Audience.COMPANIES, Audience.TIER]
)
@pytest.mark.parametrize(
    ("kind", "terms"),
    [
        (
            RuleKind.PRODUCT_GROUP,
            {"per_amount": Decimal("500"), "currency": "PLN", "product_group": "inverters"},
        ),
        (RuleKind.EARLY_PAYMENT, {"days_early": 5}),
        (RuleKind.EARLY_PAYMENT, {"days_early": 3, "per_amount": Decimal(500), "currency": "PLN"}),
    ],
    ids=["promotion", "early-fixed", "early-rate"],
)
def test_the_database_awards_what_the_ordered_path_awards(
    db_session, club, make_company, kind, terms, audience
):
    applicant = make_company(status=MembershipStatus.APPLICANT, commit=False)
    ordered, selected = _twin_rules(db_session, club, kind, audience, **terms)
    _invoices(db_session, [club.company, club.other_company, applicant])

    made = award_invoice_rules(db_session, now=NOW)

    earned = _earned(db_session, selected)
    assert earned, "the scenario must earn something"
    assert earned == _earned(db_session, ordered)
    assert made == 2 * len(earned)
    assert {row.number for row in earned} == {1, 2}  # both versions earned
    assert _lines(db_session, selected) == _lines(db_session, ordered)
    assert selected.spent_points == ordered.spent_points == sum(row.points for row in earned)
    assert verify(db_session).problems == []
    assert award_invoice_rules(db_session, now=NOW) == 0  # once per invoice


def test_amounts_a_float_gets_wrong_earn_their_whole_steps(db_session, club):
    """0.29 PLN at 1 point per 0.29: one point (a float's 28.99999 cents would give none),
    and 0.58 two; on both databases."""
    rule = services.create_rule(
        db_session,
        services.RuleData(
            kind=RuleKind.PRODUCT_GROUP,
            name_en="Cables",
            name_pl="Kable",
            name_ru="Кабели",
            effective_from=date(2026, 2, 1),
            points=1,
            per_amount=Decimal("0.29"),
            currency="PLN",
            product_group="cables",
        ),
        actor=club.club_manager,
        now=datetime(2026, 1, 10, tzinfo=UTC),
    )
    for number, amount in (("K/1", "0.29"), ("K/2", "0.58"), ("K/3", "0.28"), ("K/4", "1.15")):
        db_session.add(
            Invoice(
                number=number,
                company_id=club.company.id,
                kind=InvoiceKind.INVOICE,
                issue_date=date(2026, 3, 2),
                period=date(2026, 3, 1),
                due_date=date(2026, 3, 30),
                net_amount=Decimal(amount),
                currency="PLN",
                paid_date=date(2026, 3, 5),
                product_group="cables",
            )
        )
    db_session.flush()
    assert award_invoice_rules(db_session, now=NOW) == 3
    points = db_session.execute(
        select(Earning.source_key, Earning.points)
        .where(Earning.rule_id == rule.id)
        .order_by(Earning.id)
    ).all()
    by_number = {db_session.get(Invoice, int(key.split(":")[1])).number: p for key, p in points}
    assert by_number == {"K/1": 1, "K/2": 2, "K/4": 3}
    entry = db_session.scalar(select(Entry).where(Entry.source_id == str(rule.id)))
    assert entry.available_delta == 6
    assert entry.details["document"] == "K/1, K/2, K/4"
    assert entry.details["amount"] == "2.02"


def test_spans_follow_version_on_day_by_day():
    """engine.spans gives, for every day, the version version_on gives: versions starting
    on the same day (the later wins), one ending before the next starts (a gap), an
    open end."""

    def version(number, starts, ends=None):
        return RuleVersion(number=number, effective_from=starts, ends_on=ends)

    rule = Rule(
        versions=[
            version(1, date(2026, 1, 10), date(2026, 1, 31)),
            version(2, date(2026, 2, 5)),
            version(3, date(2026, 2, 5), date(2026, 2, 20)),
            version(4, date(2026, 3, 1)),
        ]
    )
    first, last = date(2026, 1, 1), date(2026, 3, 15)
    found = engine.spans(rule, first, last)
    by_day = {}
    for in_force, start, end in found:
        day = start
        while day <= end:
            assert day not in by_day
            by_day[day] = in_force.number
            day += timedelta(days=1)
    day = first
    while day <= last:
        expected = engine.version_on(rule, day)
        assert by_day.get(day) == (expected.number if expected else None), day
        day += timedelta(days=1)
    assert [(v.number, s, e) for v, s, e in found] == [
        (1, date(2026, 1, 10), date(2026, 1, 31)),
        (3, date(2026, 2, 5), date(2026, 2, 20)),
        (4, date(2026, 3, 1), date(2026, 3, 15)),
    ]
    assert engine.spans(rule, date(2026, 2, 21), date(2026, 2, 28)) == []
    assert engine.spans(rule, last, first) == []
