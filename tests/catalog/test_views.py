"""The catalogue pages, redeeming through the form, and the redemption page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from club.catalog.models import Redemption, RedemptionStatus, Wish
from tests.conftest import BRIEF, login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def _form(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="request_key" type="hidden" value="([^"]+)"', page).group(1), page


def test_browse_filter_and_affordable(client, club, funded, make_privilege):
    make_privilege("SEO audit", points=300, summary="Find what blocks your shop in Google")
    make_privilege("Trade fair trip", points=9000, category="travel")
    login(client, club.holder)
    page = client.get("/privileges").get_data(as_text=True)
    assert "SEO audit" in page and "Trade fair trip" in page and "7\u202f000 more needed" in page
    assert "Your company has 2\u202f000 points available." in page
    assert "9\u202f000" in page  # the trip's cost, thousands apart as everywhere
    affordable = client.get("/privileges?affordable=1", headers={"HX-Request": "true"})
    body = affordable.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="privilege-list"')
    assert "SEO audit" in body and "Trade fair trip" not in body
    assert "Trade fair" in client.get("/privileges?category=travel").get_data(as_text=True)


def test_the_privilege_page_shows_cost_what_we_have_and_what_is_missing(
    client, club, funded, make_privilege
):
    make_privilege(
        "Trip",
        points=2500,
        capacity_per_quarter=4,
        lead_time_days=30,
        description="**Fair** <script>alert(1)</script>",
    )
    login(client, club.holder)
    page = client.get("/privileges/trip").get_data(as_text=True)
    # Thousands apart with a narrow no-break space, as on the wallet and the boards.
    assert 'id="points-cost">2\u202f500<' in page and 'id="company-points">2\u202f000<' in page
    assert 'id="points-needed">500<' in page and 'id="left-quarter">4<' in page
    assert "<strong>Fair</strong>" in page and "<script>alert" not in page


def test_redeem_through_the_form_then_follow_it(client, club, funded, make_privilege, db_session):
    make_privilege("Copywriting", points=500, brief=BRIEF)
    login(client, club.holder)
    key, _page = _form(client, "/privileges/copywriting")
    missing = client.post(
        "/privileges/copywriting/redeem", data={"request_key": key, "q_site": "not a url"}
    )
    assert missing.status_code == 422
    body = missing.get_data(as_text=True)
    assert "Please answer this question." in body and "https://" in body
    assert db_session.scalar(select(func.count()).select_from(Redemption)) == 0
    data = {"request_key": key, "q_site": "https://zak.example", "q_topic": "LED"}
    first = client.post("/privileges/copywriting/redeem", data=data)
    assert first.status_code == 302
    again = client.post("/privileges/copywriting/redeem", data=data)  # a double submit
    assert again.headers["Location"] == first.headers["Location"]
    assert db_session.scalar(select(func.count()).select_from(Redemption)) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Requested" in page and "https://zak.example" in page and "Cancel the redemption" in page


def test_the_club_manager_moves_it_and_the_holder_sees_it(
    client, app, club, funded, make_privilege, db_session
):
    make_privilege("SEO", points=400)
    login(client, club.holder)
    key, _page = _form(client, "/privileges/seo")
    location = client.post("/privileges/seo/redeem", data={"request_key": key}).headers["Location"]
    manager = app.test_client()
    login(manager, club.club_manager)
    for step in ("approved", "fulfilled"):
        assert manager.post(f"{location}/move", data={"to": step}).status_code == 302
    redemption = db_session.scalar(select(Redemption))
    assert redemption.status == RedemptionStatus.FULFILLED
    db_session.refresh(funded)
    assert (funded.available, funded.held) == (1600, 0)
    assert "Fulfilled" in client.get(location).get_data(as_text=True)


def test_staff_cannot_redeem_but_can_propose(
    client, club, funded, make_privilege, mailbox, db_session
):
    make_privilege("SEO", points=400)
    login(client, club.staff)
    page = client.get("/privileges/seo").get_data(as_text=True)
    assert "redeem-form" not in page and "Propose it to our account holder" in page
    assert client.post("/privileges/seo/redeem", data={}).status_code == 403
    response = client.post("/privileges/seo/propose", data={"note": "Our shop needs it"})
    assert response.status_code == 302
    assert db_session.scalar(select(Wish)).note == "Our shop needs it"
    assert [m["To"] for m in mailbox.messages] == [club.holder.email]


def test_the_holder_declines_a_wish(client, app, club, make_privilege, db_session):
    make_privilege("SEO", points=400)
    staff = app.test_client()
    login(staff, club.staff)
    staff.post("/privileges/seo/propose", data={"note": ""})
    login(client, club.holder)
    wish = db_session.scalar(select(Wish))
    page = client.get("/my-company/wishes").get_data(as_text=True)
    assert "SEO" in page
    # The navigation counts the open proposals, beside "Proposals" and on the phone's menu.
    assert re.search(r'href="/my-company/wishes"[^>]*>Proposals <span class="nav__count"', page)
    assert 'data-confirm="The proposal leaves your list' in page  # the dialog's words
    # Without JavaScript the first post asks, naming the consequence; nothing changes.
    asked = client.post(f"/my-company/wishes/{wish.id}/decline")
    assert asked.status_code == 200
    question = asked.get_data(as_text=True)
    assert "Decline this proposal?" in question and "cannot be reopened" in question
    assert '<input type="hidden" name="confirmed" value="1">' in question
    db_session.refresh(wish)
    assert wish.status.value == "open"
    confirmed = client.post(f"/my-company/wishes/{wish.id}/decline", data={"confirmed": "1"})
    assert confirmed.status_code == 302
    db_session.refresh(wish)
    assert wish.status.value == "declined"
    assert "nav__count" not in client.get("/my-company/wishes").get_data(as_text=True)


def test_another_companys_redemption_is_not_found(client, app, club, funded, make_privilege):
    make_privilege("SEO", points=400)
    login(client, club.holder)
    key, _page = _form(client, "/privileges/seo")
    location = client.post("/privileges/seo/redeem", data={"request_key": key}).headers["Location"]
    other = app.test_client()
    login(other, club.other_holder)
    assert other.get(location).status_code == 404
    assert other.post(f"{location}/move", data={"to": "cancelled"}).status_code == 404
    outsider = app.test_client()
    login(outsider, club.other_account_manager)
    assert outsider.get(location).status_code == 404


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xd0\x00\x00\x04\x81\x01\x80,U"
    b"\xce\xb0\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _privilege_data(**extra):
    data = {
        "title": "Photo shoot",
        "category": "marketing",
        "points_cost": "800",
        "money_value": "1000",
        "currency": "PLN",
        "lead_time_days": "14",
        "sponsor_share_percent": "0",
        "brief": "",
    }
    data.update(extra)
    return data


def test_a_picture_is_uploaded_and_shown(client, club, db_session):
    import io

    from club.catalog.models import Privilege

    login(client, club.club_manager)
    response = client.post(
        "/manage/privileges/new",
        content_type="multipart/form-data",
        data=_privilege_data(image=(io.BytesIO(PNG), "shot.png")),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    privilege = db_session.scalar(select(Privilege))
    assert privilege.image.endswith(".png")
    picture = client.get(f"/privileges/{privilege.slug}/image")
    assert picture.status_code == 200 and picture.data.startswith(b"\x89PNG\r\n\x1a\n")
    picture.close()
    assert f"/privileges/{privilege.slug}/image" in client.get(
        f"/privileges/{privilege.slug}"
    ).get_data(as_text=True)


def test_a_file_that_is_not_a_picture_is_refused(client, club, db_session):
    import io

    from club.catalog.models import Privilege

    login(client, club.club_manager)
    response = client.post(
        "/manage/privileges/new",
        content_type="multipart/form-data",
        data=_privilege_data(image=(io.BytesIO(b"<svg onload=alert(1)>"), "evil.png")),
    )
    assert response.status_code == 422
    assert "Upload a PNG, JPEG or WebP picture." in response.get_data(as_text=True)
    assert db_session.scalar(select(Privilege)) is None


def test_the_holder_finds_the_proposals_from_the_redemptions_page(client, club):
    login(client, club.holder)
    assert "/my-company/wishes" in client.get("/my-company/redemptions").get_data(as_text=True)


def test_a_date_question_is_a_date_input_and_its_answer_is_checked(
    client, club, funded, make_privilege, db_session
):
    brief = [{"key": "when", "label": "Preferred date", "type": "date", "required": True}]
    make_privilege("Shoot", points=300, brief=brief)
    login(client, club.holder)
    key, page = _form(client, "/privileges/shoot")
    assert re.search(r'<input id="q_when"[^>]* name="q_when"[^>]* type="date"', page)
    refused = client.post("/privileges/shoot/redeem", data={"request_key": key, "q_when": "soon"})
    assert refused.status_code == 422 and "Enter a date like" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Redemption)) == 0
    key, _page = _form(client, "/privileges/shoot")
    done = client.post(
        "/privileges/shoot/redeem", data={"request_key": key, "q_when": "2026-12-20"}
    )
    assert done.status_code == 302
    assert db_session.scalar(select(Redemption)).answers == {"when": "2026-12-20"}
