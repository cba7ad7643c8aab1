"""A brief's questions in each club language (kept in the JSON, read in the viewer's
language with the fallback marker), and a good's variants in the list editor."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from club.api import services as tokens
from club.catalog import services as catalog
from club.catalog.models import Privilege, PrivilegeKind, Redemption
from tests.catalog.test_manage_views import NO_BRIEF
from tests.conftest import login

pytestmark = pytest.mark.one_database  # JSON, forms and pages; nothing about the dialect

SITE = {
    "key": "site",
    "labels": {"en": "Your web site", "pl": "Twoja strona", "ru": ""},
    "type": "url",
    "required": True,
}
ADDRESS = {"address": "ul. Prosta 1, Warszawa", "phone": "+48 600 100 200"}


# --- the brief: the service --------------------------------------------------------------


def test_labels_are_kept_per_language_and_read_in_the_viewers(app, db_session, make_privilege):
    privilege = make_privilege("Copywriting", brief=[SITE, {"key": "topic", "label": "Topic"}])
    assert privilege.brief == [
        {"key": "site", "labels": {"en": "Your web site", "pl": "Twoja strona"}, "type": "url"}
        | {"required": True},
        # A plain label (older callers) is the club language's (English in the tests).
        {"key": "topic", "labels": {"en": "Topic"}, "type": "text", "required": True},
    ]
    site = privilege.brief[0]
    with app.test_request_context(), force_locale("pl"):
        label, shown = catalog.question_label(site)
        assert (label, shown.is_fallback) == ("Twoja strona", False)
    with app.test_request_context(), force_locale("ru"):
        label, shown = catalog.question_label(site)
        assert (label, shown.language, shown.marker) == (
            "Your web site",
            "en",
            "показано на языке: английский",
        )


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"key": "site", "labels": {"pl": "Twoja strona"}}, r"in the club language \(English\)"),
        ({"key": "site", "labels": {"en": " ", "ru": ""}}, "a unique key"),
        ({"key": "site", "labels": {"en": "x" * 201}}, "At most 200 characters."),
        ({"key": "site", "labels": {"en": "Site", "pl": "y" * 201}}, "At most 200 characters."),
        ({"key": "site", "labels": {"en": "Site", "de": "Webseite"}}, "no such language"),
        ({"key": "site", "labels": "Site"}, "a key and a label"),
    ],
)
def test_bad_labels_are_refused(db_session, club, question, message):
    with pytest.raises(catalog.CatalogError, match=message) as refused:
        catalog.save_privilege(
            db_session,
            None,
            actor=club.club_manager,
            title="Copywriting",
            category="marketing",
            points_cost=10,
            money_value=Decimal("1"),
            brief=[question],
        )
    assert refused.value.field == "brief"


# --- the brief: the pages and the API ------------------------------------------------------


def test_the_editor_writes_and_shows_each_language(client, db_session, club):
    login(client, club.club_manager)
    data = {
        **NO_BRIEF,
        "brief-0-label": "Your web site",
        "brief-0-label_pl": "Twoja strona",
        "brief-0-type": "url",
        "brief-0-required": "y",
        "brief-0-key": "site",
        "brief-1-label_ru": "",  # an empty row stays out
    }
    response = client.post("/manage/privileges/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    privilege = db_session.scalar(select(Privilege))
    assert privilege.brief == [
        {
            "key": "site",
            "labels": {"en": "Your web site", "pl": "Twoja strona"},
            "type": "url",
            "required": True,
        }
    ]
    edit = client.get(f"/manage/privileges/{privilege.id}/edit").get_data(as_text=True)
    assert 'name="brief-0-label" type="text" value="Your web site"' in edit
    assert 'name="brief-0-label_pl" type="text" value="Twoja strona"' in edit
    assert '<details class="row-editor__lang" data-language="pl" open>' in edit
    assert '<details class="row-editor__lang" data-language="ru">' in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"brief-0-label": "", "brief-0-label_pl": "Twoja strona"},
            "Write the question in the club language too.",
        ),
        ({"brief-0-label_ru": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_the_editor_refuses_bad_labels(client, db_session, club, changes, message):
    login(client, club.club_manager)
    data = {**NO_BRIEF, "brief-0-label": "Your web site", "brief-0-key": "site", **changes}
    response = client.post("/manage/privileges/new", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert '<details class="row-editor__lang" data-language="' in body  # open on its error
    assert db_session.scalar(select(Privilege)) is None


def test_the_partner_reads_the_questions_in_their_language_or_marked(
    client, db_session, club, funded, make_privilege
):
    privilege = make_privilege("Copywriting", brief=[SITE])
    login(client, club.holder)
    client.post("/language", data={"language": "pl"})
    page = client.get(f"/privileges/{privilege.slug}").get_data(as_text=True)
    assert '<label for="q_site">Twoja strona</label>' in page

    client.post("/language", data={"language": "ru"})
    page = client.get(f"/privileges/{privilege.slug}").get_data(as_text=True)
    assert (
        '<label for="q_site"><span lang="en">Your web site</span> <span class="lang-marker" '
        'data-language="en">показано на языке: английский</span></label>'
    ) in page
    key = page.split('name="request_key" type="hidden" value="')[1].split('"')[0]
    redeemed = client.post(
        f"/privileges/{privilege.slug}/redeem",
        data={"request_key": key, "q_site": "https://zak.example"},
    )
    assert redeemed.status_code == 302, redeemed.get_data(as_text=True)[-2000:]
    redemption = db_session.scalar(select(Redemption))
    # Stored by the question's key, as before: each reader sees the label in their language.
    assert redemption.answers == {"site": "https://zak.example"}
    shown = client.get(f"/redemptions/{redemption.id}").get_data(as_text=True)
    assert '<dt><span lang="en">Your web site</span> <span class="lang-marker"' in shown
    client.post("/language", data={"language": "pl"})
    shown = client.get(f"/redemptions/{redemption.id}").get_data(as_text=True)
    assert "<dt>Twoja strona</dt><dd>https://zak.example</dd>" in shown


def test_the_api_gives_each_label_in_the_language_asked_for(
    client, db_session, club, make_privilege
):
    make_privilege("Copywriting", brief=[SITE])
    _token, secret = tokens.create_token(
        db_session, name="Holder script", scopes=tokens.PERSONAL_SCOPES, user=club.holder
    )
    db_session.commit()

    def question(language: str) -> dict:
        headers = {"Authorization": f"Bearer {secret}", "Accept-Language": language}
        (item,) = client.get("/api/v1/privileges", headers=headers).get_json()["privileges"]
        return item["brief"][0]

    assert question("pl") == {
        "key": "site",
        "label": "Twoja strona",
        "language": "pl",
        "type": "url",
        "required": True,
    }
    assert (question("ru")["label"], question("ru")["language"]) == ("Your web site", "en")
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "language" in schema["BriefQuestion"]["required"]


# --- a good's variants ---------------------------------------------------------------------

GOOD_FORM = {**NO_BRIEF, "kind": "good", "capacity_per_quarter": ""}


def _variants(privilege) -> list[tuple[str, int]]:
    return [(variant.label, variant.stock) for variant in privilege.variants]


def test_variants_are_rows_added_removed_and_saved(client, db_session, club):
    login(client, club.club_manager)
    data = {**GOOD_FORM, "variants-0-label": "M", "variants-0-stock": "10"}
    added = client.post("/manage/privileges/new", data={**data, "row_action": "variants:add"})
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and 'name="variants-1-label"' in body  # nothing saved
    assert 'hx-select="#variants-editor"' in body
    assert db_session.scalar(select(Privilege)) is None
    data |= {"variants-1-label": "XL", "variants-1-stock": "0", "variants-2-label": ""}
    removed = client.post(
        "/manage/privileges/new", data={**data, "row_action": "variants:remove:0"}
    )
    assert 'value="M"' not in removed.get_data(as_text=True)
    response = client.post("/manage/privileges/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    privilege = db_session.scalar(select(Privilege))
    assert _variants(privilege) == [("M", 10), ("XL", 0)]
    edit = client.get(f"/manage/privileges/{privilege.id}/edit").get_data(as_text=True)
    assert 'name="variants-1-label" type="text" value="XL"' in edit
    assert 'name="variants-1-stock" type="text" value="0"' in edit


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"variants-0-stock": "-1"}, "Number must be between 0 and 1000000."),
        ({"variants-0-stock": "many"}, "Not a valid integer value."),
        ({"variants-0-stock": ""}, "Give the units in stock (0 or more)."),
        ({"variants-0-label": "", "variants-0-stock": "3"}, "Give the variant a name."),
        ({"variants-0-label": "L" * 81}, "Field cannot be longer than 80 characters."),
        ({"variants-1-label": "M", "variants-1-stock": "2"}, "Each variant needs its own name."),
    ],
)
def test_bad_variants_are_refused(client, db_session, club, rows, message):
    login(client, club.club_manager)
    data = {**GOOD_FORM, "variants-0-label": "M", "variants-0-stock": "10", **rows}
    response = client.post("/manage/privileges/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Privilege)) is None


def test_a_redeemed_variant_stays(client, db_session, club, funded, make_privilege):
    good = make_privilege("Polo", kind=PrivilegeKind.GOOD, variants=[("M", 1), ("L", 2)])
    medium = good.variants[0]
    catalog.redeem(
        db_session,
        good,
        actor=club.holder,
        answers={},
        delivery=catalog.Delivery(ADDRESS["address"], ADDRESS["phone"], medium.id),
    )
    db_session.commit()
    login(client, club.club_manager)
    url = f"/manage/privileges/{good.id}/edit"
    data = {**GOOD_FORM, "title": "Polo", "variants-0-label": "L", "variants-0-stock": "2"}
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert "“M” was redeemed, so it stays: set its stock to 0 instead." in refused.get_data(
        as_text=True
    )
    data |= {"variants-1-label": "M", "variants-1-stock": "0"}
    assert client.post(url, data=data).status_code == 302
    db_session.refresh(good)
    assert _variants(good) == [("L", 2), ("M", 0)]
