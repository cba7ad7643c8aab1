"""The club manager's catalogue pages: privileges, their order, the queue, reports."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from club.catalog import services as catalog
from club.catalog.models import Privilege, RedemptionStatus
from club.core.clock import utcnow
from club.ledger import services as ledger
from club.purchases.models import Invoice, InvoiceKind
from tests.conftest import BRIEF, login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)

GOOD = {
    "title": "Product photography",
    "summary": "Photos of your shop for the catalogue",
    "description": "**Two hours** with a photographer.\n\n- 20 photos",
    "category": "marketing",
    "points_cost": "1500",
    "money_value": "1 200,50",
    "currency": "pln",
    "sponsor": "LuxLight",
    "sponsor_share_percent": "40",
    "min_tier_id": "",
    "capacity_per_quarter": "5",
    "stock": "",
    "lead_time_days": "21",
    "active_from": "2026-01-01",
    "active_until": "2026-12-31",
    # The brief's list editor: a row a question; "required" unticked is left out.
    "brief-0-label": "Your web site",
    "brief-0-type": "url",
    "brief-0-required": "y",
    "brief-0-key": "site",
    "brief-1-label": "Preferred date",
    "brief-1-type": "date",
    "brief-1-key": "when",
}
NO_BRIEF = {name: value for name, value in GOOD.items() if not name.startswith("brief-")}


def count_privileges(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Privilege))


@pytest.fixture
def manager(client, club):
    login(client, club.club_manager)
    return client


# --- creating and editing ---------------------------------------------------------------


def test_the_new_privilege_form_explains_markdown_and_the_brief(manager):
    body = manager.get("/manage/privileges/new").get_data(as_text=True)
    assert 'id="privilege-form"' in body
    assert "It is sanitised when shown" in body
    assert 'name="brief-0-label"' in body and "Add a question" in body
    assert "this tier and above may redeem it" in body
    assert ">Sales support</option>" in body  # categories by their label


def test_create_a_privilege_with_every_field(manager, db_session):
    response = manager.post("/manage/privileges/new", data=GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)
    privilege = db_session.scalar(select(Privilege))
    assert response.headers["Location"].endswith(f"/manage/privileges#privilege-{privilege.id}")
    assert (privilege.slug, privilege.title, privilege.category.value) == (
        "product-photography",
        "Product photography",
        "marketing",
    )
    assert (privilege.points_cost, privilege.money_value, privilege.currency) == (
        1500,
        Decimal("1200.50"),
        "PLN",
    )
    assert (privilege.sponsor, privilege.sponsor_share_percent) == ("LuxLight", 40)
    assert privilege.min_tier_id is None
    assert (privilege.capacity_per_quarter, privilege.stock) == (5, None)
    assert (privilege.lead_time_days, privilege.active_from, privilege.active_until) == (
        21,
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert privilege.brief == [
        {"key": "site", "labels": {"en": "Your web site"}, "type": "url", "required": True},
        {"key": "when", "labels": {"en": "Preferred date"}, "type": "date", "required": False},
    ]
    listing = manager.get("/manage/privileges").get_data(as_text=True)
    assert "Product photography" in listing and "PLN1,200.50" in listing


def test_a_question_without_a_key_gets_one(manager, db_session):
    data = {
        **NO_BRIEF,
        **{"brief-0-label": "Topic", "brief-0-required": "y", "brief-1-label": "Colours"},
        **{"brief-1-key": "q1", "brief-2-label": ""},
        **{"sponsor": "", "sponsor_share_percent": "0"},
    }
    assert manager.post("/manage/privileges/new", data=data).status_code == 302
    privilege = db_session.scalar(select(Privilege))
    assert privilege.brief == [
        {"key": "q2", "labels": {"en": "Topic"}, "type": "text", "required": True},
        {"key": "q1", "labels": {"en": "Colours"}, "type": "text", "required": False},
    ]
    assert privilege.sponsor is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "This field is required."),
        ({"brief-0-key": "Bad Key"}, "a-z, 0-9 and _, starting with a letter."),
        ({"brief-0-type": "colour"}, "Not a valid choice."),
        ({"brief-1-key": "site"}, "Each question needs a unique key"),
        ({"active_from": "2026-06-01", "active_until": "2026-05-01"}, "The end date is before"),
        ({"sponsor": "", "sponsor_share_percent": "30"}, "Name the sponsor"),
        ({"points_cost": "0"}, "Number must be between 1 and 10000000."),
        ({"money_value": "lots"}, "Not a valid decimal value."),
        ({"money_value": "NaN"}, "Not a valid decimal value."),
        ({"money_value": "-5"}, "Number must be between 0 and"),
        ({"sponsor_share_percent": "101"}, "Number must be between 0 and 100."),
        ({"currency": "złoty"}, "Three letters"),
        ({"category": "jewellery"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(manager, db_session, changes, message):
    response = manager.post("/manage/privileges/new", data={**GOOD, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_privileges(db_session) == 0


def test_edit_shows_the_brief_as_rows_and_saves(manager, db_session, make_privilege):
    privilege = make_privilege("Copywriting", brief=BRIEF)
    url = f"/manage/privileges/{privilege.id}/edit"
    body = manager.get(url).get_data(as_text=True)
    assert 'name="brief-0-label" type="text" value="Your web site"' in body
    assert 'name="brief-2-key" type="text" value="words"' in body
    assert 'value="Copywriting"' in body and 'value="800.00"' in body
    # Without JavaScript, "Add a question" shows the form again with an empty row.
    data = {**NO_BRIEF, "brief-0-label": "Topic", "row_action": "brief:add"}
    added = manager.post(url, data=data)
    assert added.status_code == 200 and 'name="brief-1-label" type="text" value=""' in (
        added.get_data(as_text=True)
    )
    db_session.refresh(privilege)
    assert privilege.brief == BRIEF  # nothing saved

    data = {**NO_BRIEF, "title": "Copywriting Pro"}
    data |= {"brief-0-label": "Topic", "brief-0-key": "topic", "brief-0-type": "textarea"}
    data |= {"brief-0-required": "y"}
    assert manager.post(url, data=data).status_code == 302
    db_session.refresh(privilege)
    assert privilege.title == "Copywriting Pro" and privilege.slug == "copywriting"
    assert privilege.brief == [
        {"key": "topic", "labels": {"en": "Topic"}, "type": "textarea", "required": True}
    ]


def test_a_refused_edit_changes_nothing(manager, db_session, make_privilege):
    privilege = make_privilege("Copywriting", brief=BRIEF)
    data = {
        **GOOD,
        "title": "Renamed",
        "active_from": "2026-06-01",
        "active_until": "2026-05-01",
    }
    response = manager.post(f"/manage/privileges/{privilege.id}/edit", data=data)
    assert response.status_code == 422
    assert "The end date is before the start date." in response.get_data(as_text=True)
    db_session.refresh(privilege)
    assert privilege.title == "Copywriting" and privilege.brief == BRIEF


def test_editing_an_unknown_privilege_is_404(manager):
    assert manager.get("/manage/privileges/999/edit").status_code == 404


# --- retiring and the order -------------------------------------------------------------


def test_retire_leaves_the_list_marked_and_the_member_catalogue(
    manager, client, club, db_session, make_privilege
):
    privilege = make_privilege("Sales training")
    response = manager.post(f"/manage/privileges/{privilege.id}/retire")
    assert response.status_code == 302
    db_session.refresh(privilege)
    assert privilege.retired_at is not None
    listing = manager.get("/manage/privileges").get_data(as_text=True)
    assert 'class="row--inactive"' in listing and "Retired" in listing
    edit = manager.get(f"/manage/privileges/{privilege.id}/edit").get_data(as_text=True)
    assert "Retire this privilege" not in edit
    client.post("/logout")
    login(client, club.holder)
    assert "Sales training" not in client.get("/privileges").get_data(as_text=True)


def _titles(db_session) -> list[str]:
    return [p.title for p in db_session.scalars(catalog.catalogue(db_session))]


def _move_buttons(body: str, privilege_id: int) -> list[MultiDict]:
    """What each move button of the privilege's row sends, as the page renders it."""
    action = f'action="/manage/privileges/{privilege_id}/move"'
    return [
        MultiDict(re.findall(r'<input[^>]* name="([^"]+)" value="([^"]*)"', form))
        for form in re.findall(rf"<form [^>]*{action}.*?</form>", body, flags=re.S)
    ]


def test_move_up_and_down(manager, db_session, make_privilege):
    first, second, third = (make_privilege(title) for title in ("A", "B", "C"))
    listing = manager.get("/manage/privileges").get_data(as_text=True)
    assert [b.getlist("up") for b in _move_buttons(listing, first.id)] == [["0"]]  # only down
    assert [b.getlist("up") for b in _move_buttons(listing, second.id)] == [["1"], ["0"]]
    (up,) = _move_buttons(listing, third.id)
    assert manager.post(f"/manage/privileges/{third.id}/move", data=up).status_code == 302
    assert _titles(db_session) == ["A", "C", "B"]
    manager.post(f"/manage/privileges/{first.id}/move", data={"up": "0"})
    assert _titles(db_session) == ["C", "A", "B"]
    manager.post(f"/manage/privileges/{third.id}/move", data={"up": "1"})  # already first
    assert _titles(db_session) == ["C", "A", "B"]
    assert manager.post(f"/manage/privileges/{second.id}/move", data={}).status_code == 400


def test_move_over_htmx_returns_the_list(manager, db_session, make_privilege):
    first, second = make_privilege("A"), make_privilege("B")
    response = manager.post(
        f"/manage/privileges/{second.id}/move", data={"up": "1"}, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="manage-privileges"')
    assert body.index(f'id="privilege-{second.id}"') < body.index(f'id="privilege-{first.id}"')


# --- the queue --------------------------------------------------------------------------


@pytest.fixture
def queue(db_session, club, funded, make_privilege):
    """Three redemptions of the first company and one of the other, of various ages."""
    ledger.earn(
        db_session,
        ledger.wallet_for(db_session, club.other_company.id),
        2000,
        source=ledger.Source("test", "fund-other"),
    )
    copy = make_privilege("Copywriting", lead_time_days=14)
    seo = make_privilege("SEO audit", lead_time_days=60)
    now = utcnow()

    def redeem(privilege, holder, days_ago):
        return catalog.redeem(
            db_session, privilege, actor=holder, answers={}, now=now - timedelta(days=days_ago)
        )

    queue = SimpleNamespace(
        copy=copy,
        seo=seo,
        old=redeem(copy, club.holder, 30),  # past its 14 days: overdue
        fresh=redeem(copy, club.holder, 1),
        slow=redeem(seo, club.holder, 30),  # within its 60 days
        other=redeem(seo, club.other_holder, 5),
        done=redeem(copy, club.other_holder, 40),
    )
    catalog.move(db_session, queue.done, RedemptionStatus.APPROVED, actor=club.club_manager)
    catalog.move(db_session, queue.done, RedemptionStatus.FULFILLED, actor=club.club_manager)
    db_session.commit()
    return queue


def _rows(body: str) -> set[int]:
    return {int(number) for number in re.findall(r'<tr id="redemption-(\d+)"', body)}


def test_the_queue_opens_on_open_redemptions_and_marks_the_overdue(manager, queue):
    body = manager.get("/manage/redemptions").get_data(as_text=True)
    assert _rows(body) == {queue.old.id, queue.fresh.id, queue.slow.id, queue.other.id}
    assert f'<tr id="redemption-{queue.old.id}" class="row--overdue">' in body
    assert f'<tr id="redemption-{queue.slow.id}">' in body
    assert body.count('class="badge badge--overdue"') == 1
    assert f'href="/redemptions/{queue.old.id}"' in body
    assert "4 redemptions" in body


def test_queue_filters(manager, queue, club):
    def rows(query):
        return _rows(manager.get(f"/manage/redemptions?{query}").get_data(as_text=True))

    everything = {queue.old.id, queue.fresh.id, queue.slow.id, queue.other.id, queue.done.id}
    assert rows("status=") == everything
    assert rows("status=fulfilled") == {queue.done.id}
    assert rows(f"privilege={queue.seo.id}") == {queue.slow.id, queue.other.id}
    assert rows(f"company={club.other_company.id}") == {queue.other.id}
    assert rows("older=10") == {queue.old.id, queue.slow.id}
    assert rows(f"older=10&privilege={queue.copy.id}") == {queue.old.id}
    assert rows("status=nonsense&older=-3&company=x") == rows("")  # bad values ignored


def test_the_queue_fragment_for_htmx(manager, queue):
    response = manager.get("/manage/redemptions?status=requested", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="manage-queue"')
    assert "<html" not in body
    full = manager.get("/manage/redemptions").get_data(as_text=True)
    assert "<html" in full and 'id="manage-queue"' in full


# --- reports ----------------------------------------------------------------------------


@pytest.fixture
def fulfilled(db_session, club, funded, make_privilege):
    """One sponsored privilege fulfilled in May 2026, and 60,030 net purchases that year."""
    privilege = make_privilege(
        "Trade fair trip",
        money_value=Decimal("1200.00"),
        sponsor="LuxLight",
        sponsor_share_percent=50,
    )
    when = datetime(2026, 5, 10, tzinfo=UTC)
    redemption = catalog.redeem(db_session, privilege, actor=club.holder, answers={}, now=when)
    for step in (RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED):
        catalog.move(db_session, redemption, step, actor=club.club_manager, now=when)
    db_session.add(
        Invoice(
            number="FV/2026/05/1",
            company_id=club.company.id,
            kind=InvoiceKind.INVOICE,
            issue_date=date(2026, 5, 4),
            period=date(2026, 5, 1),
            due_date=date(2026, 6, 3),
            net_amount=Decimal("60000.00"),
            currency="PLN",
        )
    )
    db_session.commit()
    return redemption


def test_tax_csv_for_english_excel(manager, club, fulfilled):
    response = manager.get("/manage/reports/tax.csv?year=2026")
    assert response.mimetype == "text/csv"
    assert 'filename="tax-report-2026.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.splitlines() == [
        "\ufeffCompany,Country,Tax id,Privileges received,Money value,Service,Goods,E-voucher,"
        "Currency",
        f"Hurtownia Żak,PL,{club.company.tax_id},1,1200.00,1200.00,0.00,0.00,PLN",
    ]
    empty = manager.get("/manage/reports/tax.csv?year=2025").get_data(as_text=True)
    assert empty.count("\n") == 1


def test_tax_csv_for_polish_excel(client, club, db_session, fulfilled):
    club.club_manager.language = "pl"
    db_session.commit()
    login(client, club.club_manager)
    lines = client.get("/manage/reports/tax.csv?year=2026").get_data(as_text=True).splitlines()
    assert lines[0].startswith("\ufeff") and lines[0].count(";") == 8
    assert lines[1] == f"Hurtownia Żak;PL;{club.company.tax_id};1;1200,00;1200,00;0,00;0,00;PLN"


def test_the_reports_page(manager, fulfilled, club):
    body = manager.get("/manage/reports?year=2026").get_data(as_text=True)
    assert "Reports for 2026" in body
    assert club.company.tax_id in body and '<td class="number">PLN1,200.00</td>' in body
    assert "<td>LuxLight</td><td>2026-Q2</td>" in body
    assert '<td class="number">PLN600.00</td>' in body  # money always with its currency
    assert 'href="/manage/reports/tax.csv?year=2026"' in body
    assert 'href="/manage/reports/sponsors.csv?year=2026"' in body
    # Programme cost: 1,200 of 60,000 net purchases.
    assert 'id="cost-fulfilled">PLN1,200.00<' in body
    assert 'id="cost-purchases">PLN60,000.00<' in body
    assert 'id="cost-percent">2.00%<' in body
    assert "about 2% of the supplier’s profit" in body


def test_sponsor_csv(manager, fulfilled):
    text = manager.get("/manage/reports/sponsors.csv?year=2026").get_data(as_text=True)
    assert text.splitlines()[1:] == ["LuxLight,2026-Q2,1,1200.00,600.00,0,0.00,PLN"]


def test_a_year_without_purchases_has_no_percentage(manager, fulfilled):
    body = manager.get("/manage/reports?year=2025").get_data(as_text=True)
    assert 'id="cost-percent">—<' in body
    assert "No privilege was fulfilled in this year." in body


@pytest.mark.parametrize("year", ["abc", "99999", "-1", "1999", ""])
def test_a_bad_year_means_this_year(manager, year):
    this_year = utcnow().year
    response = manager.get(f"/manage/reports?year={year}")
    assert response.status_code == 200
    assert f"Reports for {this_year}" in response.get_data(as_text=True)
    csv_response = manager.get(f"/manage/reports/tax.csv?year={year}")
    assert csv_response.status_code == 200
    assert f"tax-report-{this_year}.csv" in csv_response.headers["Content-Disposition"]


# --- access -----------------------------------------------------------------------------

PAGES = [
    ("get", "/manage/privileges"),
    ("get", "/manage/privileges/new"),
    ("post", "/manage/privileges/new"),
    ("get", "/manage/privileges/{id}/edit"),
    ("post", "/manage/privileges/{id}/retire"),
    ("post", "/manage/privileges/{id}/move"),
    ("get", "/manage/redemptions"),
    ("get", "/manage/reports"),
    ("get", "/manage/reports/tax.csv"),
    ("get", "/manage/reports/sponsors.csv"),
]


@pytest.mark.parametrize("who", ["staff", "holder", "account_manager"])
def test_only_the_club_manager_gets_in(client, club, db_session, make_privilege, who):
    privilege = make_privilege()
    login(client, getattr(club, who))
    for method, path in PAGES:
        url = path.format(id=privilege.id)
        assert getattr(client, method)(url, data={"up": "1"}).status_code == 403, url
    db_session.refresh(privilege)
    assert privilege.retired_at is None


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/manage/redemptions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
