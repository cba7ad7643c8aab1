"""The best partners page, the partner's diplomas and certificate, downloads by role, and
the public verification page."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from club.audit.models import AuditEntry
from club.awards import services
from club.awards.models import Distinction, MembershipCertificate, QuarterAward
from club.core import periods
from club.core.clock import utcnow
from club.ledger import services as ledger
from club.members.models import MembershipStatus
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)

# A quarter long over, whenever the tests run.
YEAR, QUARTER = 2025, 3
IN_QUARTER = datetime(2025, 8, 14, 10, 0, tzinfo=UTC)


def _earn(db_session, company, points):
    wallet = ledger.wallet_for(db_session, company.id)
    ledger.earn(db_session, wallet, points, source=ledger.Source("quiz", "1"), earned_at=IN_QUARTER)
    db_session.commit()


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data)).pages[0].extract_text()


def _awarded(db_session, club):
    """Q3 2025 final: the first company first, the other second."""
    services.choose_best(
        db_session,
        YEAR,
        QUARTER,
        [club.company.id, club.other_company.id],
        club.club_manager,
    )
    award = services.finalise(db_session, YEAR, QUARTER, actor=club.club_manager)
    db_session.commit()
    return award


def _nothing_written(db_session) -> bool:
    return (
        db_session.scalar(select(func.count()).select_from(Distinction)) == 0
        and db_session.scalar(select(func.count()).select_from(QuarterAward)) == 0
        and db_session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    )


def test_the_manager_accepts_the_suggestion_then_finalises(client, club, db_session):
    _earn(db_session, club.company, 120)
    _earn(db_session, club.other_company, 300)
    login(client, club.club_manager)
    page = client.get(f"/awards/?q={YEAR}-Q{QUARTER}").get_data(as_text=True)
    assert 'id="awards-suggestions"' in page and 'id="awards-choose"' in page
    suggestions = page.split('id="awards-suggestions"')[1].split("</section>")[0]
    assert suggestions.index("ООО «Другая»") < suggestions.index("Hurtownia Żak")
    # The form comes filled with the suggestion, place 1 first.
    assert f'<option value="{club.other_company.id}" selected>' in page.split('name="company-1"')[1]
    assert f'<option value="{club.company.id}" selected>' in page.split('name="company-2"')[1]

    response = client.post(
        f"/awards/{YEAR}/q{QUARTER}/choose",
        data={
            "company-1": str(club.other_company.id),
            "citation-1": "Najlepszy partner",
            "company-2": "",
            "company-3": str(club.company.id),
        },
    )
    assert response.status_code == 302
    award = services.award_of(db_session, YEAR, QUARTER)
    assert [(d.place, d.company_id, d.points, d.citation) for d in award.distinctions] == [
        (1, club.other_company.id, 300, "Najlepszy partner"),
        (2, club.company.id, 120, ""),
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="awards-draft"' in page and "Najlepszy partner" in page
    assert "/diplomas/" not in page  # no diploma before the list is final
    assert client.get(f"/awards/diplomas/{award.distinctions[0].id}.pdf").status_code == 404

    assert client.post(f"/awards/{YEAR}/q{QUARTER}/finalise").status_code == 302
    page = client.get(f"/awards/?q={YEAR}-Q{QUARTER}").get_data(as_text=True)
    assert 'id="awards-final"' in page and 'id="awards-choose"' not in page
    first = award.distinctions[0]
    assert f"/awards/diplomas/{first.id}.pdf?lang=pl" in page
    text = _pdf_text(client.get(f"/awards/diplomas/{first.id}.pdf?lang=ru"))
    assert "ООО «Другая»" in text and first.code in text
    assert f"http://club.test/awards/verify/{first.code}" in text

    # Final means final: a changed list is refused, nothing changes.
    refused = client.post(
        f"/awards/{YEAR}/q{QUARTER}/choose", data={"company-1": str(club.company.id)}
    )
    assert refused.status_code == 422 and "are final" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert services.award_of(db_session, YEAR, QUARTER).distinctions[0].company_id == (
        club.other_company.id
    )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"company-1": "abc"}, "Choose the companies from the list."),
        ({"company-1": "999999"}, "There is no company number 999999."),
        ({"company-1": "applicant"}, "is not a member of the club"),
        ({"company-1": "mine", "company-2": "mine"}, "Each company can take only one place."),
        ({}, "Choose at least one company."),
        ({"company-1": "mine", "citation-1": "x" * 201}, "at most 200 characters"),
    ],
)
def test_tampered_choices_get_a_clear_message_and_write_nothing(
    client, club, db_session, make_company, form, message
):
    applicant = make_company("Kandydat", status=MembershipStatus.APPLICANT)
    values = {"mine": str(club.company.id), "applicant": str(applicant.id)}
    data = {key: values.get(value, value) for key, value in form.items()}
    login(client, club.club_manager)
    response = client.post(f"/awards/{YEAR}/q{QUARTER}/choose", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body.replace("&#39;", "'") and 'role="alert"' in body
    if form.get("company-1") == "mine":
        # What the manager chose stays chosen in the form.
        assert f'<option value="{data["company-1"]}" selected>' in body
    assert _nothing_written(db_session)


def test_an_unfinished_or_impossible_quarter_is_refused(client, club, db_session):
    login(client, club.club_manager)
    current = periods.this_quarter(utcnow())
    year, quarter = current.year, current.number
    page = client.get(f"/awards/?q={year}-Q{quarter}").get_data(as_text=True)
    assert "is not over yet" in page and 'id="awards-choose"' not in page
    response = client.post(
        f"/awards/{year}/q{quarter}/choose", data={"company-1": str(club.company.id)}
    )
    assert response.status_code == 422 and "is not over yet" in response.get_data(as_text=True)
    for url in (f"/awards/{YEAR}/q5/choose", "/awards/1999/q1/finalise"):
        response = client.post(url, data={"company-1": str(club.company.id)})
        assert response.status_code == 302
    assert "quarter (1 to 4)" in client.get("/awards/").get_data(as_text=True)
    assert client.post(f"/awards/{YEAR}/q{QUARTER}/finalise").status_code == 302
    assert f"Name the best partners of Q{QUARTER} {YEAR} first." in client.get("/awards/").get_data(
        as_text=True
    )
    assert _nothing_written(db_session)
    # Nonsense in the picker falls back to the last completed quarter.
    assert client.get("/awards/?q=drop table").status_code == 200


def test_partners_see_and_download_their_own_diplomas_and_certificate(client, club, db_session):
    award = _awarded(db_session, club)
    mine, theirs = award.distinctions
    club.holder.language = "pl"
    club.company.joined_on = date(2023, 5, 4)
    db_session.commit()
    login(client, club.holder)
    page = client.get("/awards/company").get_data(as_text=True)
    assert f"/awards/diplomas/{mine.id}.pdf" in page
    assert f"/awards/diplomas/{theirs.id}.pdf" not in page
    assert f"/awards/companies/{club.company.id}/certificate.pdf" in page
    text = _pdf_text(client.get(f"/awards/diplomas/{mine.id}.pdf"))
    assert "Hurtownia Żak" in text
    assert client.get(f"/awards/diplomas/{theirs.id}.pdf").status_code == 404

    text = _pdf_text(client.get(f"/awards/companies/{club.company.id}/certificate.pdf"))
    assert "Hurtownia Żak" in text and "4 maja 2023" in text  # the holder reads Polish
    certificate = db_session.scalar(select(MembershipCertificate))
    assert certificate.company_id == club.company.id and certificate.number in text
    # The second download is the same certificate.
    _pdf_text(client.get(f"/awards/companies/{club.company.id}/certificate.pdf"))
    assert db_session.scalar(select(func.count()).select_from(MembershipCertificate)) == 1
    assert (
        client.get(f"/awards/companies/{club.other_company.id}/certificate.pdf").status_code == 404
    )


def test_staff_of_another_company_and_other_portfolios_cannot_download(client, club, db_session):
    award = _awarded(db_session, club)
    mine = award.distinctions[0]
    for user in (club.other_staff, club.other_holder, club.other_account_manager):
        login(client, user)
        assert client.get(f"/awards/diplomas/{mine.id}.pdf").status_code == 404, user.role
        url = f"/awards/companies/{club.company.id}/certificate.pdf"
        assert client.get(url).status_code == 404, user.role
        client.post("/logout")
    assert db_session.scalar(select(func.count()).select_from(MembershipCertificate)) == 0
    login(client, club.account_manager)
    _pdf_text(client.get(f"/awards/diplomas/{mine.id}.pdf"))
    client.post("/logout")
    login(client, club.staff)
    _pdf_text(client.get(f"/awards/diplomas/{mine.id}.pdf"))
    client.post("/logout")
    # Partners have no manager pages.
    login(client, club.holder)
    assert client.get("/awards/").status_code == 403
    assert client.get("/awards/certificates").status_code == 403
    assert client.post(f"/awards/{YEAR}/q{QUARTER}/choose").status_code == 403


def test_a_non_member_has_no_certificate(client, club, db_session):
    club.company.status = MembershipStatus.SUSPENDED
    db_session.commit()
    login(client, club.holder)
    page = client.get("/awards/company").get_data(as_text=True)
    assert "once it is a member" in page and "certificate.pdf" not in page
    assert client.get(f"/awards/companies/{club.company.id}/certificate.pdf").status_code == 404
    assert db_session.scalar(select(func.count()).select_from(MembershipCertificate)) == 0


def test_the_manager_downloads_any_member_certificate(client, club, db_session, make_company):
    make_company("Kandydat", status=MembershipStatus.APPLICANT)
    login(client, club.club_manager)
    page = client.get("/awards/certificates").get_data(as_text=True)
    assert "Hurtownia Żak" in page and "ООО «Другая»" in page and "Kandydat" not in page
    text = _pdf_text(
        client.get(f"/awards/companies/{club.other_company.id}/certificate.pdf?lang=ru")
    )
    assert "ООО «Другая»" in text
    page = client.get("/awards/certificates").get_data(as_text=True)
    year = periods.this_quarter(utcnow()).year
    assert f"{year}/0001" in page


def test_verification_reveals_only_name_document_and_date(client, club, db_session):
    club.company.city = "Łódź"
    _earn(db_session, club.company, 4321)
    award = _awarded(db_session, club)
    code = award.distinctions[0].code
    response = client.get(f"/awards/verify/{code}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "This code is valid." in body and "Hurtownia Żak" in body
    assert f"place 1 among the best partners of Q{QUARTER} {YEAR}" in body
    for secret in ("4321", "4,321", club.company.tax_id, "Łódź", "ООО", club.holder.email):
        assert secret not in body
    # Typed from paper: lower case, spaces instead of dashes.
    typed = client.get("/awards/verify", query_string={"code": code.lower().replace("-", " ")})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(code)

    for unknown in ("ABCD-EFGH-JKMN", "nonsense", "<script>"):
        response = client.get(f"/awards/verify/{unknown}")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "This code is not valid" in body and "Hurtownia" not in body
        assert "<script>" not in body
    assert client.get("/awards/verify").status_code == 200
    assert client.get("/awards/verify?code=%3C%3E").status_code == 404
    # A draft list's codes are not valid yet.
    services.choose_best(db_session, YEAR, QUARTER - 1, [club.company.id], club.club_manager)
    db_session.commit()
    draft = services.award_of(db_session, YEAR, QUARTER - 1).distinctions[0].code
    assert client.get(f"/awards/verify/{draft}").status_code == 404


def test_the_manager_page_lists_members_in_the_picker(client, club, make_company):
    make_company("Kandydat", status=MembershipStatus.APPLICANT)
    login(client, club.club_manager)
    page = client.get("/awards/").get_data(as_text=True)
    form = page.split('id="awards-choose"')[1]
    assert "Hurtownia Żak" in form and "Kandydat" not in form
    assert form.count('name="company-') == 10


def test_a_refused_list_is_said_once_above_the_form_and_the_picker_keeps_the_quarter(
    client, club, db_session
):
    login(client, club.club_manager)
    data = {"company-1": str(club.company.id), "company-2": str(club.company.id)}
    response = client.post(f"/awards/{YEAR}/q{QUARTER}/choose", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count("Each company can take only one place.") == 1
    assert 'id="awards-error"' in body
    assert f'<option value="{YEAR}-Q{QUARTER}" selected>Q{QUARTER} {YEAR}</option>' in body
    # A quarter typed into the address, not offered by the picker, is shown and added to it.
    page = client.get("/awards/?q=2019-Q2").get_data(as_text=True)
    assert '<option value="2019-Q2" selected>Q2 2019</option>' in page
    assert _nothing_written(db_session)
