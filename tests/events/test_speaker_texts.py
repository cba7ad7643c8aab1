"""A speaker's role and bio in each club language: saved, read in the viewer's language
with the fallback marker, edited in the speakers' list editor, copied with the meeting."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.events import services
from club.events.errors import MeetingError
from club.events.models import Meeting, SpeakerText
from club.events.services import SpeakerData
from tests.conftest import login
from tests.events.conftest import meeting_data
from tests.events.test_views import _meeting_form

pytestmark = pytest.mark.one_database  # texts and pages; nothing about the dialect

ANNA = SpeakerData(
    "Anna Nowak",
    "Retail designer",  # the club language (English in the tests)
    "Shops in 12 countries.",
    texts={
        "pl": {"role": "Projektantka wnętrz", "bio": "Sklepy w 12 krajach."},
        "ru": {"role": "", "bio": ""},  # not written: Russian readers see English, marked
    },
)


def _save(db_session, club, *speakers, meeting=None, **changes):
    saved = services.save_meeting(
        db_session,
        meeting,
        meeting_data(speakers=list(speakers), **changes),
        actor=club.club_manager,
    )
    db_session.flush()
    return saved


def test_a_speaker_reads_in_each_language_and_falls_back_marked(app, db_session, club):
    meeting = _save(db_session, club, ANNA, ("Jan Kowalski", "", ""))
    anna, jan = meeting.speakers
    assert {text.language: (text.role, text.bio) for text in anna.texts} == {
        "en": ("Retail designer", "Shops in 12 countries."),
        "pl": ("Projektantka wnętrz", "Sklepy w 12 krajach."),
    }
    assert (anna.base_role, jan.texts, jan.has_text) == ("Retail designer", [], False)
    with app.test_request_context(), force_locale("pl"):
        assert (anna.role, anna.bio) == ("Projektantka wnętrz", "Sklepy w 12 krajach.")
        assert not anna.localized.shown.is_fallback
    with app.test_request_context(), force_locale("ru"):
        assert anna.role == "Retail designer"
        assert anna.localized.shown.marker == "показано на языке: английский"
    with app.test_request_context(), force_locale("en"):
        assert anna.bio == "Shops in 12 countries." and anna.localized.shown.marker == ""


def test_a_copy_takes_each_language_along(db_session, club):
    meeting = _save(db_session, club, ANNA)
    copy = services.copy_meeting(db_session, meeting, actor=club.club_manager)
    db_session.flush()
    (speaker,) = copy.speakers
    assert speaker.id != meeting.speakers[0].id
    assert {text.language: text.role for text in speaker.texts} == {
        "en": "Retail designer",
        "pl": "Projektantka wnętrz",
    }
    # Saving the meeting again replaces its speakers and their texts, leaving no orphans.
    _save(db_session, club, ("Jan Kowalski", "Trainer", ""), meeting=meeting)
    assert len(db_session.scalars(select(SpeakerText)).all()) == 3  # copy's two, Jan's one


@pytest.mark.parametrize(
    "speaker",
    [
        SpeakerData("Anna Nowak", "x" * 201),
        SpeakerData("Anna Nowak", texts={"pl": {"role": "", "bio": "y" * 501}}),
        SpeakerData("", texts={"ru": {"role": "Дизайнер", "bio": ""}}),  # a text, no name
        SpeakerData("Anna Nowak", texts={"de": {"role": "Designerin", "bio": ""}}),
    ],
)
def test_bad_speaker_texts_are_refused(db_session, club, speaker):
    with pytest.raises(MeetingError) as refused:
        _save(db_session, club, speaker)
    assert refused.value.field == "speakers"
    assert db_session.scalar(select(Meeting)) is None


# --- the editor and the page ---------------------------------------------------------------


def test_the_editor_keeps_each_language_of_each_speaker(client, db_session, club):
    login(client, club.club_manager)
    data = _meeting_form(
        **{
            "speakers-0-role_pl": "Projektantka wnętrz",
            "speakers-0-bio_pl": "Sklepy w 12 krajach.",
            "speakers-0-role_ru": "Дизайнер интерьеров",
            "row_action": "speakers:add",
        }
    )
    added = client.post("/manage/meetings/new", data=data).get_data(as_text=True)
    # A row added keeps what the first one said in every language; the new row is folded.
    assert 'value="Projektantka wnętrz"' in added and 'value="Дизайнер интерьеров"' in added
    assert '<details class="row-editor__lang" data-language="pl" open>' in added
    assert 'name="speakers-1-role_ru"' in added
    assert added.count('<details class="row-editor__lang"') == 4  # two rows, pl and ru each
    data.pop("row_action")
    response = client.post("/manage/meetings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = db_session.scalar(select(Meeting))
    (anna,) = meeting.speakers
    assert sorted((t.language, t.role) for t in anna.texts) == [
        ("en", "Retail designer"),
        ("pl", "Projektantka wnętrz"),
        ("ru", "Дизайнер интерьеров"),
    ]
    edit = client.get(f"/manage/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'name="speakers-0-role" type="text" value="Retail designer"' in edit
    assert 'name="speakers-0-bio_pl" type="text" value="Sklepy w 12 krajach."' in edit
    assert 'data-language="ru" open' in edit and 'data-language="en"' not in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"speakers-0-role_pl": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"speakers-0-name": "", "speakers-0-bio_ru": "Биография"}, "Give the speaker&#39;s name."),
    ],
)
def test_the_editor_refuses_bad_rows(client, db_session, club, changes, message):
    login(client, club.club_manager)
    response = client.post("/manage/meetings/new", data=_meeting_form(**changes))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and 'data-language="' in body
    assert db_session.scalar(select(Meeting)) is None


def test_the_meeting_page_shows_the_readers_language_or_marks_the_clubs(client, db_session, club):
    meeting = _save(db_session, club, ANNA, ("Jan Kowalski", "", ""))
    services.publish(db_session, meeting, actor=club.club_manager)
    db_session.commit()
    login(client, club.staff)
    url = f"/meetings/{meeting.id}"

    client.post("/language", data={"language": "pl"})
    page = client.get(url).get_data(as_text=True)
    assert "<strong>Anna Nowak</strong><span>, Projektantka wnętrz" in page
    assert "lang-marker" not in page.split('class="speakers"')[1].split("</ul>")[0]

    client.post("/language", data={"language": "ru"})
    speakers = client.get(url).get_data(as_text=True).split('class="speakers"')[1]
    speakers = speakers.split("</ul>")[0]
    assert '<span lang="en">, Retail designer' in speakers
    assert "показано на языке: английский" in speakers
    assert speakers.count("lang-marker") == 1  # Jan has no role or bio: nothing to mark

    client.post("/language", data={"language": "en"})
    speakers = client.get(url).get_data(as_text=True).split('class="speakers"')[1]
    assert "Retail designer" in speakers.split("</ul>")[0]
    assert "lang-marker" not in speakers.split("</ul>")[0]


def test_the_audit_log_keeps_the_speakers_before_and_after_a_change(db_session, club):
    meeting = _save(db_session, club, ANNA)
    created = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.created"))
    assert created.after["speakers"] == (
        "Anna Nowak | Retail designer | Shops in 12 countries."
        " | pl: Projektantka wnętrz | Sklepy w 12 krajach."
    )
    _save(db_session, club, ("Jan Kowalski", "Installer", ""), ("Ola", "", ""), meeting=meeting)
    changed = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.changed"))
    assert changed.before["speakers"] == created.after["speakers"]
    assert changed.after["speakers"] == "Jan Kowalski | Installer; Ola"
