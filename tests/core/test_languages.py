"""Privileges and meetings in each club language, read in the viewer's with a fallback."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from club.catalog import services as catalog
from club.catalog.models import PrivilegeText
from club.core.errors import ClubError
from club.events import services as events
from tests.events.conftest import meeting_data

POLISH = {"title": "Copywriting (PL)", "summary": "Teksty", "description": "Opis"}


def test_a_privilege_reads_in_the_viewers_language_else_the_clubs_marked(
    app, db_session, club, make_privilege
):
    privilege = make_privilege("Copywriting", summary="Texts that sell")
    catalog.save_privilege(
        db_session, privilege, actor=club.club_manager, texts={"pl": POLISH, "ru": {}}
    )
    db_session.flush()
    assert {text.language for text in privilege.texts} == {"en", "pl"}
    with app.test_request_context(), force_locale("pl"):
        assert privilege.title == "Copywriting (PL)"
        assert not privilege.localized.shown.is_fallback
    with app.test_request_context(), force_locale("ru"):
        assert privilege.title == "Copywriting"  # the club's language (English in tests)
        assert privilege.localized.shown.marker == "показано на языке: английский"
    with app.test_request_context(), force_locale("en"):
        assert privilege.summary == "Texts that sell" and privilege.localized.shown.marker == ""
    # A query's Privilege.title is the club language's column.
    assert privilege.base_title == "Copywriting"

    # An empty title removes a language; a text without a title is refused.
    catalog.save_privilege(db_session, privilege, actor=club.club_manager, texts={"pl": {}})
    db_session.flush()
    assert [text.language for text in privilege.texts] == ["en"]
    with pytest.raises(ClubError) as refused:
        catalog.save_privilege(
            db_session, privilege, actor=club.club_manager, texts={"ru": {"summary": "x"}}
        )
    assert refused.value.field == "title_ru"
    with pytest.raises(ClubError):
        catalog.save_privilege(
            db_session, privilege, actor=club.club_manager, texts={"pl": {"title": "x" * 161}}
        )


def test_a_meeting_keeps_each_language_and_a_copy_takes_them_along(app, db_session, club):
    meeting = events.save_meeting(
        db_session,
        None,
        meeting_data(
            title="Breakfast",
            theme="LED",
            texts={"ru": {"title": "Завтрак", "theme": "Светодиоды", "description": ""}},
        ),
        actor=club.club_manager,
    )
    db_session.flush()
    with app.test_request_context(), force_locale("ru"):
        assert (meeting.title, meeting.theme) == ("Завтрак", "Светодиоды")
    with app.test_request_context(), force_locale("pl"):
        assert meeting.title == "Breakfast"
        assert meeting.localized.shown.marker == "pokazano w języku: angielski"
    copy = events.copy_meeting(db_session, meeting, actor=club.club_manager)
    assert {text.language: text.title for text in copy.texts} == {
        "en": "Breakfast",
        "ru": "Завтрак",
    }


def test_existing_privileges_keep_reading_without_text_rows(app, db_session, make_privilege):
    """Before a privilege has rows (as right after an old import), its columns are read."""
    privilege = make_privilege("Old one")
    for text in list(privilege.texts):
        db_session.delete(text)
    db_session.flush()
    db_session.expire(privilege, ["texts"])
    with app.test_request_context(), force_locale("ru"):
        assert privilege.title == "Old one"
    assert db_session.query(PrivilegeText).filter_by(privilege_id=privilege.id).count() == 0
