"""The pages: the privacy gate after sign-in, accepting the rules, the refusals to
spend (page and API), the club manager's versions and export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from club.api import services as tokens
from club.catalog.models import Redemption
from club.consent import services as consent
from club.consent.models import Acceptance, DocumentKind

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def _accepts_privacy(db_session, *people):
    document = consent.current(db_session, DocumentKind.PRIVACY)
    for person in people:
        consent.accept(db_session, person, document, ip_address=None, user_agent=None)
    db_session.commit()


def test_privacy_gate_at_first_sign_in_and_after_a_new_version(
    client, db_session, club, published, publish, login_as
):
    login_as(club.staff)
    response = client.get("/learning/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/privacy?next=")
    assert (
        client.get("/", headers={"HX-Request": "true"})
        .headers["HX-Redirect"]
        .startswith("/privacy")
    )
    page = client.get("/privacy?next=/learning/")
    assert page.status_code == 200 and "Privacy notice" in page.get_data(as_text=True)
    assert client.get("/healthz").status_code in (200, 503)  # never sent to the notice
    accepted = client.post(
        "/privacy/accept",
        data={"version": 1, "next": "/learning/"},
        headers={"User-Agent": "Test browser"},
    )
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/learning/"
    acceptance = db_session.scalar(select(Acceptance).where(Acceptance.user_id == club.staff.id))
    assert acceptance.user_agent == "Test browser" and acceptance.ip_address == "127.0.0.1"
    assert client.get("/").status_code == 200

    publish(DocumentKind.PRIVACY)
    assert client.get("/").headers["Location"].startswith("/privacy")
    stale = client.post("/privacy/accept", data={"version": 1, "next": "/"})
    assert stale.headers["Location"] == "/privacy"  # refused: version 2 is current
    assert client.post("/privacy/accept", data={"version": 2}).headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302


def test_supplier_staff_pass_without_the_notice(client, club, published, login_as):
    login_as(club.club_manager)
    assert client.get("/").status_code == 200


def test_rules_page_banner_and_redeeming(
    client, db_session, club, funded, make_privilege, published, login_as
):
    make_privilege("Copywriting", points=100)
    _accepts_privacy(db_session, club.holder, club.staff)
    login_as(club.holder)
    home = client.get("/").get_data(as_text=True)
    assert 'id="rules-banner"' in home and "Version 1 of the club rules" in home
    page = client.get("/privileges/copywriting").get_data(as_text=True)
    assert 'id="rules-not-accepted"' in page and "/club-rules?next=" in page
    refused = client.post("/privileges/copywriting/redeem", data={"request_key": "a"})
    assert refused.status_code == 403
    assert "has not accepted the current club rules" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Redemption)) == 0

    rules = client.get("/club-rules").get_data(as_text=True)
    assert "Club rules" in rules and "I have read and accept" in rules
    accepted = client.post(
        "/club-rules/accept", data={"version": 1, "next": "/privileges/copywriting"}
    )
    assert accepted.headers["Location"] == "/privileges/copywriting"
    assert 'id="rules-banner"' not in client.get("/").get_data(as_text=True)
    rules = client.get("/club-rules").get_data(as_text=True)
    assert "Holder A accepted this version for your company" in rules
    assert "I have read and accept" not in rules
    done = client.post("/privileges/copywriting/redeem", data={"request_key": "b"})
    assert (
        done.status_code == 302
        and db_session.scalar(select(func.count()).select_from(Redemption)) == 1
    )


def test_staff_see_the_banner_but_cannot_accept(client, db_session, club, published, login_as):
    _accepts_privacy(db_session, club.staff)
    login_as(club.staff)
    home = client.get("/").get_data(as_text=True)
    assert "Your account holder accepts it for the company" in home
    assert client.post("/club-rules/accept", data={"version": 1}).status_code == 403


def test_rules_in_the_readers_language_and_old_versions(client, club, published, publish):
    publish(DocumentKind.RULES, "second")
    polish = client.get("/club-rules?version=1", headers={"Accept-Language": "pl"}).get_data(
        as_text=True
    )
    assert "Regulamin klubu" in polish and "/club-rules" in polish
    assert "Rules second en" in client.get("/club-rules").get_data(as_text=True)
    assert client.get("/club-rules?version=9").status_code == 404


def test_api_redemption_refused_until_the_rules_are_accepted(
    client, db_session, club, funded, make_privilege, published
):
    make_privilege("Copywriting", points=100)
    _token, secret = tokens.create_token(
        db_session, name="Script", scopes=tokens.PERSONAL_SCOPES, user=club.holder
    )
    db_session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "k1"}
    response = client.post(
        "/api/v1/redemptions", json={"privilege": "copywriting"}, headers=headers
    )
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "rules_not_accepted" and error["rules_version"] == 1
    consent.accept(
        db_session, club.holder, published[DocumentKind.RULES], ip_address=None, user_agent=None
    )
    db_session.commit()
    again = client.post("/api/v1/redemptions", json={"privilege": "copywriting"}, headers=headers)
    assert again.status_code == 201


def test_manager_publishes_a_version(client, db_session, club, published, login_as):
    login_as(club.club_manager)
    form = client.get("/manage/consent/rules/publish").get_data(as_text=True)
    assert "Regulamin klubu" in form  # starts from the current text
    data = {f"title_{lang}": f"Rules 2 {lang}" for lang in ("en", "pl", "ru")}
    data |= {f"body_{lang}": "Text" for lang in ("en", "pl", "ru")}
    assert (
        client.post("/manage/consent/rules/publish", data=data | {"body_ru": ""}).status_code == 422
    )
    assert client.post("/manage/consent/rules/publish", data=data).status_code == 302
    assert consent.current(db_session, DocumentKind.RULES).version == 2
    page = client.get("/manage/consent").get_data(as_text=True)
    assert "2 member companies have not accepted" in page
    assert client.get("/manage/consent/other/publish").status_code == 404


def test_acceptances_csv_is_filtered_and_formula_safe(
    client, db_session, club, published, publish, login_as
):
    club.staff.name = '=HYPERLINK("http://evil")'
    db_session.commit()
    rules = published[DocumentKind.RULES]
    consent.accept(db_session, club.holder, rules, ip_address="192.0.2.1", user_agent="@Firefox")
    _accepts_privacy(db_session, club.staff)
    login_as(club.club_manager)
    response = client.get("/manage/consent/acceptances.csv?kind=rules&version=1")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Document", "Version", "Accepted at"]
    assert len(rows) == 2
    assert rows[1][0] == "Club rules" and rows[1][1] == "1" and rows[1][4] == club.holder.email
    assert rows[1][6:] == ["Hurtownia Żak", f"PL {club.company.tax_id}", "192.0.2.1", "'@Firefox"]
    everything = client.get("/manage/consent/acceptances.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in everything and "Privacy notice" in everything
    assert "Privacy notice" not in client.get(
        "/manage/consent/acceptances.csv?kind=rules&version=2"
    ).get_data(as_text=True)
