"""The club's name, logo and colours: the settings page, the header, the CSS and logo
routes, mails and the designed certificate."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from club.branding import services
from club.branding.models import ClubSettings
from club.core.errors import ClubError
from club.core.mail import render_mail
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def _png(width=240, height=80, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def _form(**changes):
    data = {
        "name": "Klub LuxLight",
        "primary_colour": "#7a1f3d",
        "accent_colour": "#ffd166",
        "signatory_name": "Katarzyna Wiśniewska",
        "signatory_title": "Kierownik klubu",
    }
    data.update(changes)
    return data


def test_the_manager_names_the_club_and_every_page_mail_and_pdf_shows_it(
    app, client, club, db_session
):
    login(client, club.club_manager)
    assert client.get("/manage/club").status_code == 200
    response = client.post(
        "/manage/club",
        data={**_form(), "logo": (io.BytesIO(_png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]

    page = client.get("/manage/club").get_data(as_text=True)
    assert "<title>Club settings · Klub LuxLight</title>" in page
    assert 'class="brand__logo"' in page and "style=" not in page
    version = services.brand(db_session).version
    assert f"/club.css?v={version}" in page

    css = client.get(f"/club.css?v={version}")
    assert css.mimetype == "text/css"
    assert "--navy: #7a1f3d;" in css.get_data(as_text=True)
    assert "--gold: #ffd166;" in css.get_data(as_text=True)

    logo = client.get(f"/club/logo.png?v={version}")
    assert logo.mimetype == "image/png" and logo.data.startswith(b"\x89PNG")
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in logo.headers["Content-Security-Policy"]

    with app.test_request_context():
        _subject, body = render_mail("password_reset", locale="en", user=club.holder, url="x")
    assert body.rstrip().endswith("-- \nKlub LuxLight")

    login(client, club.holder)
    text = (
        PdfReader(
            io.BytesIO(client.get(f"/awards/companies/{club.company.id}/certificate.pdf").data)
        )
        .pages[0]
        .extract_text()
    )
    assert "Katarzyna Wiśniewska" in text and "Kierownik klubu" in text


def test_a_refused_logo_or_colour_changes_nothing(client, club, db_session):
    login(client, club.club_manager)
    for bad in (
        {"logo": (io.BytesIO(b"<svg onload='alert(1)'/>"), "logo.svg")},
        {"primary_colour": "#f0f0f0"},  # white text on it would be unreadable
        {"accent_colour": "#1d1d1d"},
        {"primary_colour": "red"},
    ):
        data = _form(**{k: v for k, v in bad.items() if k != "logo"})
        if "logo" in bad:
            data["logo"] = bad["logo"]
        response = client.post("/manage/club", data=data, content_type="multipart/form-data")
        assert response.status_code == 422, bad
    assert db_session.get(ClubSettings, 1) is None
    assert client.get("/club/logo.png").status_code == 404


def test_the_default_brand_until_anything_is_saved(client, db_session):
    assert services.brand(db_session) == services.DEFAULT
    css = client.get("/club.css").get_data(as_text=True)
    assert "--navy: #1d4e89;" in css
    with pytest.raises(ClubError, match="too many pixels"):
        services.clean_logo(_png(5000, 5000))
    with pytest.raises(ClubError, match="larger than 512 KB"):
        services.clean_logo(b"\x89PNG\r\n\x1a\n" + b"0" * 600_000)
