"""The club manager's rule pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from club.members.models import Company, MembershipStatus
from club.rules.models import Referral, Rule

pytestmark = pytest.mark.one_database


def _form(**changes):
    return {
        "kind": "einvoice",
        "name_en": "E-invoices",
        "name_pl": "E-faktury",
        "name_ru": "Электронные счета",
        "effective_from": "2099-01-01",
        "points": "50",
        "audience": "all",
        "cap_period": "month",
        "event_type": "",
        "tier": "",
        **changes,
    }


def test_manager_previews_saves_and_versions_a_rule(login_as, club, db_session):
    client = login_as(club.club_manager)
    assert client.get("/manage/earning-rules").status_code == 200
    preview = client.post("/manage/earning-rules/new", data=_form(preview="1"))
    assert preview.status_code == 200 and 'id="preview"' in preview.get_data(as_text=True)
    assert db_session.query(Rule).count() == 0
    saved = client.post("/manage/earning-rules/new", data=_form(budget_points="1000"))
    assert saved.status_code == 302
    rule = db_session.query(Rule).one()
    page = client.get(f"/manage/earning-rules/{rule.id}").get_data(as_text=True)
    assert "E-invoices" in page and 'id="spend"' in page
    changed = client.post(
        f"/manage/earning-rules/{rule.id}", data=_form(effective_from="2099-02-01", points="60")
    )
    assert changed.status_code == 302
    db_session.expire_all()
    assert [v.points for v in db_session.get(Rule, rule.id).versions] == [50, 60]


def test_a_refused_rule_is_shown_on_the_form(login_as, club):
    client = login_as(club.club_manager)
    refused = client.post("/manage/earning-rules/new", data=_form(kind="feature"))
    assert refused.status_code == 422


def test_manager_marks_the_switch_to_einvoices(login_as, club, make_rule):
    from club.rules.models import RuleKind

    make_rule(RuleKind.EINVOICE, points=50)
    client = login_as(club.club_manager)
    answer = client.post(f"/manage/earning-rules/einvoice/{club.company.id}")
    assert answer.status_code == 302
    assert club.company.id and client.get(f"/manage/companies/{club.company.id}").status_code == 200


def test_a_holder_invites_a_company_which_applies_through_the_mails_link(
    login_as, club, client, mailbox, db_session
):
    from tests.conftest import valid_nip

    client = login_as(club.holder)
    assert client.get("/referrals").status_code == 200
    data = {
        "name": "Nowa",
        "country": "PL",
        "tax_id": valid_nip(888_000_001),
        "contact_name": "Jan",
        "contact_email": "jan@nowa.example",
    }
    assert client.post("/referrals", data=data).status_code == 302
    again = client.post("/referrals", data=data)
    assert again.status_code == 422
    assert "Nowa" in client.get("/referrals").get_data(as_text=True)
    ((link,),) = [[link for link in mailbox.links() if "/referrals/join/" in link]]
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/logout")
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "Apply to join the club" in page.get_data(as_text=True)
    assert client.post(f"/{path}", data={"street": "", "city": "Łódź"}).status_code == 422
    applied = client.post(
        f"/{path}", data={"street": "ul. Nowa 1", "postal_code": "90-001", "city": "Łódź"}
    )
    assert applied.status_code == 200 and "has applied" in applied.get_data(as_text=True)
    company = db_session.scalar(select(Company).where(Company.tax_id == data["tax_id"]))
    assert (company.name, company.status, company.city) == (
        "Nowa",
        MembershipStatus.APPLICANT,
        "Łódź",
    )
    referral = db_session.scalar(select(Referral))
    assert referral.applied_at is not None and referral.token_hash is None
    assert client.get(f"/{path}").status_code == 404  # the link works once
    assert client.get("/referrals/join/not-a-token").status_code == 404
