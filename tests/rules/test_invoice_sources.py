"""Sources over invoices and referrals: early payment, product-group promotions, a referral
earning only after admission and the first paid invoice; running the job twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from club.members import admission
from club.members.models import MembershipStatus
from club.members.tiers import ensure_default_tiers
from club.purchases.models import Invoice, InvoiceKind
from club.purchases.rewards import award_invoice_rules, award_referrals
from club.rules import referrals, services
from club.rules.errors import RulesError
from club.rules.models import Audience, Earning, RuleKind
from tests.conftest import valid_nip

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _invoice(db_session, company, number, *, issued, due, paid=None, amount="1000", group=None):
    invoice = Invoice(
        number=number,
        company_id=company.id,
        kind=InvoiceKind.INVOICE,
        issue_date=issued,
        period=issued.replace(day=1),
        due_date=due,
        net_amount=Decimal(amount),
        currency="PLN",
        paid_date=paid,
        product_group=group,
    )
    db_session.add(invoice)
    db_session.flush()
    return invoice


def _points(db_session, prefix):
    return sorted(e.points for e in db_session.query(Earning) if e.source_key.startswith(prefix))


def test_early_payment_earns_once_per_invoice(db_session, club, make_rule):
    make_rule(RuleKind.EARLY_PAYMENT, days_early=10, points=5)
    _invoice(
        db_session,
        club.company,
        "E/1",
        issued=date(2026, 2, 1),
        due=date(2026, 3, 15),
        paid=date(2026, 3, 1),
    )
    _invoice(
        db_session,
        club.company,
        "E/2",
        issued=date(2026, 2, 1),
        due=date(2026, 3, 15),
        paid=date(2026, 3, 10),
    )  # five days early: not enough
    assert award_invoice_rules(db_session, now=NOW) == 1
    assert award_invoice_rules(db_session, now=NOW) == 0
    assert _points(db_session, "early:") == [5]


def test_a_promotion_gives_points_per_amount_of_its_group_until_its_cap(
    db_session, club, make_rule
):
    make_rule(
        RuleKind.PRODUCT_GROUP,
        product_group="inverters",
        per_amount=Decimal("100"),
        currency="PLN",
        points=2,
        cap_per_company=30,
        ends_on=date(2026, 3, 15),
    )
    kw = {"due": date(2026, 4, 1), "paid": date(2026, 3, 18), "group": "inverters"}
    _invoice(db_session, club.company, "P/1", issued=date(2026, 3, 2), amount="1050", **kw)
    _invoice(db_session, club.company, "P/2", issued=date(2026, 3, 3), amount="1000", **kw)
    _invoice(db_session, club.company, "P/3", issued=date(2026, 3, 16), amount="1000", **kw)
    _invoice(
        db_session,
        club.company,
        "P/4",
        issued=date(2026, 3, 4),
        amount="1000",
        due=date(2026, 4, 1),
        paid=date(2026, 3, 18),
        group="cables",
    )
    award_invoice_rules(db_session, now=NOW)
    assert _points(db_session, "group:") == [10, 20]  # 20, then 10 left under the cap


def test_a_referral_earns_after_admission_and_the_first_paid_invoice(db_session, club, make_rule):
    make_rule(RuleKind.REFERRAL, points=200)
    tax_id = valid_nip(777_000_001)
    invitation = referrals.Invitation("Nowa", "PL", tax_id, "Jan", "jan@nowa.example")
    referral = referrals.invite(db_session, club.company, invitation, by=club.holder, now=NOW)
    with pytest.raises(RulesError):  # invited twice
        referrals.invite(db_session, club.other_company, invitation, by=club.other_holder)
    from club.members.models import Company

    invited = Company(name="Nowa", tax_id=tax_id, country="PL", status=MembershipStatus.APPLICANT)
    db_session.add(invited)
    db_session.flush()
    _invoice(db_session, invited, "R/1", issued=date(2026, 2, 1), due=date(2026, 3, 1))
    assert award_referrals(db_session, now=NOW) == 0  # not admitted yet
    admission.change_status(db_session, invited, MembershipStatus.MEMBER, actor=None, now=NOW)
    assert referral.company_id == invited.id
    assert award_referrals(db_session, now=NOW) == 0  # admitted, nothing paid yet
    db_session.get(
        Invoice, db_session.query(Invoice.id).filter_by(number="R/1").scalar()
    ).paid_date = date(2026, 3, 1)
    assert award_referrals(db_session, now=NOW) == 1
    assert award_referrals(db_session, now=NOW) == 0
    earning = db_session.query(Earning).one()
    assert (earning.company_id, earning.points) == (club.company.id, 200)


def test_self_referral_and_a_loop_are_refused(db_session, club):
    own = referrals.Invitation("Me", "PL", club.company.tax_id, "Me", "me@example.com")
    with pytest.raises(RulesError):
        referrals.invite(db_session, club.company, own, by=club.holder)
    back = referrals.Invitation("B", "PL", club.other_company.tax_id, "B", "b@example.com")
    with pytest.raises(RulesError):  # already a member: B brought in cannot bring A back
        referrals.invite(db_session, club.company, back, by=club.holder)


def test_preview_of_an_early_payment_rule_reads_last_quarter(db_session, club):
    _invoice(
        db_session,
        club.company,
        "Q/1",
        issued=date(2025, 10, 1),
        due=date(2025, 11, 30),
        paid=date(2025, 11, 1),
    )
    data = services.RuleData(
        kind=RuleKind.EARLY_PAYMENT,
        name_en="x",
        name_pl="x",
        name_ru="x",
        effective_from=date(2026, 1, 1),
        points=5,
        days_early=7,
    )
    found = services.preview(db_session, data, now=datetime(2026, 1, 5, tzinfo=UTC))
    assert (found.points, found.companies) == (5, 1)


@pytest.mark.parametrize(
    ("audience", "expected"),
    [(Audience.ALL, (30, 2)), (Audience.TIER, (16, 1)), (Audience.PILOT, (14, 1))],
)
def test_preview_of_a_promotion_counts_its_group_its_audience_and_its_cap(
    db_session, club, audience, expected
):
    """Last quarter's paid lines of the group in PLN, by issue month: not another group,
    not unpaid; the audience as the rule would apply it (Silver and above: the other
    company; the pilot group: the first); a cap of 10 per company and month.
    The first company (1,000 PLN lines, 4 points each): October 4 + 36 capped to 10,
    November 4: 14. The other (1,500 PLN, 6 points): October 6 + 36 capped to 10,
    November 6: 16."""
    tiers = {tier.code: tier for tier in ensure_default_tiers(db_session)}
    club.other_company.tier_id = tiers["silver"].id
    club.company.is_pilot = True
    lines = [  # (issued, paid, group, amount or None for the company's own)
        (date(2025, 10, 1), date(2025, 11, 2), "panels", None),
        (date(2025, 11, 2), date(2025, 12, 2), "panels", None),
        (date(2025, 10, 3), date(2025, 11, 2), "cables", None),
        (date(2025, 10, 4), None, "panels", None),
        (date(2025, 10, 9), date(2025, 11, 2), "panels", "9000"),
    ]
    for company, own in ((club.company, "1000"), (club.other_company, "1500")):
        for n, (issued, paid, group, amount) in enumerate(lines):
            _invoice(
                db_session, company, f"P/{company.id}/{n}", issued=issued,
                due=date(2025, 12, 30), paid=paid, amount=amount or own, group=group,
            )  # fmt: skip
    data = services.RuleData(
        kind=RuleKind.PRODUCT_GROUP,
        name_en="x",
        name_pl="x",
        name_ru="x",
        effective_from=date(2026, 1, 1),
        points=2,
        per_amount=Decimal(500),
        currency="PLN",
        product_group="panels",
        audience=audience,
        tier_id=tiers["silver"].id if audience == Audience.TIER else None,
        cap_per_company=10,
    )
    found = services.preview(db_session, data, now=datetime(2026, 1, 5, tzinfo=UTC))
    assert (found.points, found.companies) == expected


def test_the_csv_and_the_api_carry_a_product_group(db_session, club, client):
    from club.api import services as tokens
    from club.purchases import services as purchases

    data = (
        "numer;nip;data_wystawienia;termin_platnosci;kwota_netto;data_zaplaty;grupa_produktow\n"
        f"G/1;{club.company.tax_id};2026-03-02;2026-04-01;100,00;;Inverters\n"
        f"G/2;{club.company.tax_id};2026-03-02;2026-04-01;100,00;;\n"
        f"G/3;{club.company.tax_id};2026-03-02;2026-04-01;100,00;;{'x' * 41}\n"
    ).encode()
    parsed, _report = purchases.import_file(db_session, data, now=NOW)
    groups = dict(db_session.query(Invoice.number, Invoice.product_group))
    assert groups == {"G/1": "inverters", "G/2": None}
    assert [error.column for error in parsed.errors] == ["grupa_produktow"]
    _token, secret = tokens.create_token(db_session, name="ERP", scopes=["invoices"])
    db_session.commit()
    invoice = {
        "number": "G/4",
        "tax_id": club.company.tax_id,
        "country": "PL",
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "net_amount": "10.00",
        "product_group": "Cables",
    }
    answer = client.post(
        "/api/v1/invoices",
        json={"invoices": [invoice]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200 and answer.json["created"] == 1, answer.json
    assert db_session.query(Invoice.product_group).filter_by(number="G/4").scalar() == "cables"
