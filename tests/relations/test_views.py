"""The relations pages: the contact log on the company page, bonuses, budgets and the
import; who may reach them, and that partners never see a note."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from club.relations import bonus, contacts
from club.relations.models import BonusGrant, Complaint, ContactKind, ContactLog
from tests.conftest import login

pytestmark = pytest.mark.one_database

NOTE = "Secret-note: they consider a competitor"
STEP = "Send the price list"


def _log(db_session, club, company=None, author=None):
    contact = contacts.log_contact(
        db_session,
        company or club.company,
        author=author or club.account_manager,
        kind=ContactKind.VISIT,
        happened_on=date(2026, 1, 5),
        note=NOTE,
        next_step=STEP,
        next_step_due=date(2026, 1, 10),
    )
    db_session.commit()
    return contact


def test_an_account_manager_logs_a_contact_and_closes_its_next_step(login_as, club, db_session):
    client = login_as(club.account_manager)
    url = f"/manage/companies/{club.company.id}/contacts"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"kind": "call", "happened_on": "2026-01-05", "note": " "})
    assert refused.status_code == 422
    answer = client.post(
        url,
        data={
            "kind": "call",
            "happened_on": "2026-01-05",
            "note": NOTE,
            "next_step": STEP,
            "next_step_due": "2026-01-10",
        },
    )
    assert answer.status_code == 302
    page = client.get(f"/manage/companies/{club.company.id}").get_data(as_text=True)
    assert NOTE in page and STEP in page and "overdue" in page
    contact = db_session.scalar(select(ContactLog))
    done = client.post(f"/manage/contacts/{contact.id}/done", data={"back": "company"})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/manage/companies/{club.company.id}"
    )
    db_session.expire_all()
    assert contact.next_step_done_at is not None


def test_another_portfolio_is_out_of_reach(login_as, club, db_session):
    contact = _log(db_session, club)
    client = login_as(club.other_account_manager)
    assert client.get(f"/manage/companies/{club.company.id}/contacts").status_code == 404
    assert (
        client.post(
            f"/manage/companies/{club.company.id}/contacts",
            data={"kind": "call", "happened_on": "2026-01-05", "note": "x"},
        ).status_code
        == 404
    )
    assert client.post(f"/manage/contacts/{contact.id}/done").status_code == 404
    assert client.get(f"/manage/companies/{club.company.id}/bonus").status_code == 404
    assert client.get(f"/manage/companies/{club.company.id}").status_code == 404
    db_session.expire_all()
    assert contact.next_step_done_at is None
    assert db_session.scalar(select(func.count()).select_from(ContactLog)) == 1


@pytest.mark.parametrize("who", ["holder", "staff"])
def test_partners_never_see_notes(login_as, club, db_session, who):
    contact = _log(db_session, club)
    client = login_as(getattr(club, who))
    for url in (
        f"/manage/companies/{club.company.id}/contacts",
        f"/manage/companies/{club.company.id}/bonus",
        f"/manage/companies/{club.company.id}",
        "/manage/bonus-budgets",
        "/manage/relations/import",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/manage/contacts/{contact.id}/done").status_code == 403
    # The pages a partner has about its own company carry no note and no next step.
    for url in ("/", "/wallet", "/wallet/statement.csv", "/account", "/redemptions", "/staff"):
        body = client.get(url).get_data(as_text=True)
        assert NOTE not in body and STEP not in body, url


def _signed_in(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def test_the_club_manager_sets_budgets_and_sees_their_use(app, club, db_session):
    client = _signed_in(app, club.club_manager)
    quarter = bonus.current_quarter()
    assert client.get("/manage/bonus-budgets").status_code == 200
    assert (
        client.post(
            "/manage/bonus-budgets",
            data={
                "account_manager": str(club.account_manager.id),
                "quarter": quarter.arg,
                "points": "-3",
            },
        ).status_code
        == 422
    )
    answer = client.post(
        "/manage/bonus-budgets",
        data={
            "account_manager": str(club.account_manager.id),
            "quarter": quarter.arg,
            "points": "300",
        },
    )
    assert answer.status_code == 302
    # The account manager grants from it, to a person of the company.
    manager = _signed_in(app, club.account_manager)
    url = f"/manage/companies/{club.company.id}/bonus"
    assert "300" in manager.get(url).get_data(as_text=True)
    too_much = manager.post(url, data={"points": "301", "reason": "Too much", "person": ""})
    assert too_much.status_code == 422
    assert (
        manager.post(
            url, data={"points": "5", "reason": "x", "person": str(club.other_staff.id)}
        ).status_code
        == 422
    )
    granted = manager.post(
        url, data={"points": "120", "reason": "Fair stand", "person": str(club.staff.id)}
    )
    assert granted.status_code == 302
    page = client.get("/manage/bonus-budgets").get_data(as_text=True)
    assert "Fair stand" in page and "180" in page
    assert db_session.scalar(select(func.count()).select_from(BonusGrant)) == 1
    # The club manager does not grant from a budget.
    assert client.get(url).status_code == 403


def test_the_import_page_writes_all_rows_or_none(login_as, club, db_session):
    client = login_as(club.club_manager)
    tax = club.company.tax_id
    bad = f"tax_id;external_id;opened_on;subject\n{tax};RK/1;2026-01-02;Fine\n{tax};RK/2;soon;Bad\n"
    answer = client.post(
        "/manage/relations/import",
        data={"kind": "complaints", "file": (io.BytesIO(bad.encode()), "crm.csv")},
        content_type="multipart/form-data",
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "import-errors" in body and "soon" in body
    assert db_session.scalar(select(func.count()).select_from(Complaint)) == 0
    good = bad.replace("soon", "2026-01-03")
    answer = client.post(
        "/manage/relations/import",
        data={"kind": "complaints", "file": (io.BytesIO(good.encode()), "crm.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Complaint)) == 2
    page = client.get(f"/manage/companies/{club.company.id}").get_data(as_text=True)
    assert "RK/2" in page
