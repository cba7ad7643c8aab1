"""What a person downloads: each kind of record they have, nothing of anyone else."""

from __future__ import annotations

import json

from club.members.models import User
from club.privacy.personal_data import TITLES, personal_data
from tests.conftest import login

STAFF_SECTIONS = {
    "profile",
    "company",
    "points_earned",
    "wishes",
    "lessons_read",
    "quiz_attempts",
    "course_passes",
    "meeting_registrations",
    "satisfaction_answers",
    "calendar_feed",
    "leaderboards",
    "acceptances",
    "sessions",
    "links",
}
HOLDER_SECTIONS = {"redemptions", "api_tokens", "audit", "quiz_attempts", "acceptances"}


def test_each_kind_of_record_and_nothing_of_other_people(client, db_session, world):
    staff = db_session.get(User, world.a.staff_id)
    holder = db_session.get(User, world.a.holder_id)
    mine = personal_data(db_session, staff)
    assert set(mine) == {"generated_at", *TITLES}
    assert {key for key in TITLES if mine[key]} >= STAFF_SECTIONS
    assert mine["profile"][0]["email"] == staff.email
    assert mine["company"][0]["tax_id"] == world.a.tax_id
    assert {row["kind"] for row in mine["points_earned"]} == {"earn"}
    assert mine["meeting_registrations"][0]["rating_comment"] == "comment-of-A"
    assert mine["acceptances"][0]["user_agent"] == "browser-of-A-partner_staff"
    assert mine["wishes"][0]["note"] == "wish-of-A"
    assert mine["satisfaction_answers"][0]["comment"] == "nps-of-A"
    theirs = personal_data(db_session, holder)
    assert {key for key in TITLES if theirs[key]} >= HOLDER_SECTIONS
    assert {row["answers"]["topic"] for row in theirs["redemptions"] if row["answers"]} == {
        "brief-of-A"
    }
    assert {row["delivery_address"] for row in theirs["redemptions"]} == {None, "address-of-A"}
    assert "token_hash" not in json.dumps(theirs) and "key_hash" not in json.dumps(mine)

    others = [
        person for person in db_session.query(User).all() if person.id not in (staff.id, holder.id)
    ]
    for data, person in ((mine, staff), (theirs, holder)):
        text = json.dumps(data, ensure_ascii=False)
        for other in others:
            assert other.email not in text, (person.name, other.email)
            assert f'"{other.name}"' not in text, (person.name, other.name)
        for marker in ("brief-of-B", "wish-of-B", "comment-of-B", "browser-of-B", "nps-of-B"):
            assert marker not in text

    # The same, as the person reads it and downloads it.
    login(client, staff)
    page = client.get("/account/personal-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="data-meeting_registrations"' in text
    assert "comment-of-A" in text and "Points you earned" in text
    download = client.get("/account/personal-data.json")
    assert download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["profile"][0]["id"] == staff.id


def test_downloads_are_rate_limited(client, club, login_as, monkeypatch):
    monkeypatch.setattr("club.privacy.views.DOWNLOAD_LIMIT", "2/hour")
    login_as(club.staff)
    answers = [client.get("/account/personal-data.json").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
