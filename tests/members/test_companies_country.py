"""Issue #22: a company's country is an ISO 3166-1 alpha-2 code wherever it enters, and
the country lists on pages show real countries, named in the viewer's language."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from club.core.countries import ISO_COUNTRIES, country_choices, country_code, is_country
from club.members import services as members
from club.members.errors import InvalidTaxId
from club.members.models import Company
from club.members.tax_ids import normalize_tax_id, split_tax_id
from tests.conftest import login

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

NOT_COUNTRIES = ["EU", "EZ", "UN", "QO", "ZZ", "XK", "XA", "AC", "IC", "001", "150", "pl", ""]


def test_real_countries_only():
    assert len(ISO_COUNTRIES) == 249
    assert all(is_country(code) for code in ("PL", "DE", "RU", "AX", "BQ", "SS"))
    assert not any(is_country(code) for code in [*NOT_COUNTRIES, None, 48])
    assert country_code(" pl ") == "PL" and country_code("EU") is None


@pytest.mark.parametrize(
    ("locale", "germany", "first"),
    [("en", "Germany", "Poland"), ("pl", "Niemcy", "Polska"), ("ru", "Германия", "Польша")],
)
def test_the_country_list_names_countries_in_the_viewers_language(locale, germany, first):
    listed = country_choices(locale)
    codes = [code for code, _name in listed]
    assert sorted(codes) == sorted(ISO_COUNTRIES)  # every country once, nothing else
    assert listed[0] == ("PL", first) and dict(listed)["DE"] == germany


@pytest.mark.parametrize("country", ["EU", "QO", "XK", "ZZ", "pl5", ""])
def test_the_company_form_refuses_what_is_not_a_country(client, club, db_session, country):
    login(client, club.club_manager)
    before = db_session.scalar(select(func.count()).select_from(Company))
    response = client.post(
        "/manage/companies/new",
        data={"name": "Firma", "country": country, "tax_id": "526-025-02-74", "status": "member"},
    )
    assert response.status_code == 422
    assert db_session.scalar(select(func.count()).select_from(Company)) == before


def test_the_company_form_lists_countries_by_name(client, club, db_session):
    club.club_manager.language = "pl"
    db_session.commit()
    login(client, club.club_manager)
    page = client.get("/manage/companies/new").get_data(as_text=True)
    assert '<option value="DE">Niemcy</option>' in page
    assert 'value="EU"' not in page and 'value="QO"' not in page and 'value="001"' not in page
    companies = client.get("/manage/companies").get_data(as_text=True)
    assert '<option value="PL">Polska</option>' in companies  # the filter, by name


@pytest.mark.parametrize("country", ["EU", "XX", "", "POL"])
def test_the_service_refuses_what_is_not_a_country(db_session, club, country):
    details = members.CompanyDetails(name="Firma", tax_id="DE136695976", country=country)
    with pytest.raises(InvalidTaxId) as refused:
        members.create_company(db_session, details, actor=club.club_manager)
    assert refused.value.field == "country"
    with pytest.raises(InvalidTaxId):
        normalize_tax_id(country, "136695976")


def test_a_vat_prefix_names_a_country():
    assert split_tax_id("PL 526-025-02-74") == ("PL", "5260250274")
    assert split_tax_id("EL094014201") == ("GR", "094014201")  # Greece writes EL
    assert split_tax_id("526-025-02-74") == (None, "5260250274")
    assert split_tax_id("ATU12345678") == (None, "ATU12345678")  # a letter after AT: no prefix
    assert split_tax_id("XX123456") == (None, "123456")  # stripped as before, names nothing
