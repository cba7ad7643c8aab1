"""Meeting pages as members and the club manager use them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from club.core import periods
from club.core.clock import utcnow
from club.events import services
from club.events.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from club.ledger import services as ledger
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def _form_times(days: int = 14):
    start = (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)
    return start.strftime("%Y-%m-%dT%H:%M"), (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")


def _meeting_form(**changes):
    starts, ends = _form_times()
    data = {
        "title": "Wieczór klubowy",
        "format": "club_evening",
        "theme": "Track lighting in retail",
        "description": "**Dinner** and a talk.",
        "speakers-0-name": "Anna Nowak",
        "speakers-0-role": "Retail designer",
        "speakers-0-bio": "Shops in 12 countries",
        "starts_at": starts,
        "ends_at": ends,
        "timezone": "Europe/Warsaw",
        "place": "Restauracja Pod Łososiem, Gdańsk",
        "online_url": "",
        "capacity": "2",
        "seats_per_company": "",
        "audience": "members",
        "min_tier_id": "",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "attendance_points": "30",
    }
    data.update(changes)
    return data


def test_manager_plans_and_publishes_a_meeting(client, db_session, club):
    login(client, club.club_manager)
    response = client.post("/manage/meetings/new", data=_meeting_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = db_session.scalar(select(Meeting))
    assert meeting.status == MeetingStatus.DRAFT
    assert [speaker.name for speaker in meeting.speakers] == ["Anna Nowak"]
    assert services.local(meeting).strftime("%Y-%m-%dT%H:%M") == _form_times()[0]
    # Members do not see a draft.
    client.post("/logout")
    login(client, club.staff)
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    client.post("/logout")
    login(client, club.club_manager)
    assert client.post(f"/manage/meetings/{meeting.id}/publish").status_code == 302
    db_session.refresh(meeting)
    assert meeting.status == MeetingStatus.PUBLISHED
    page = client.get("/manage/meetings").get_data(as_text=True)
    assert "Wieczór klubowy" in page


def test_speakers_are_added_and_removed_by_buttons_without_javascript(client, db_session, club):
    login(client, club.club_manager)
    data = _meeting_form(row_action="speakers:add")
    added = client.post("/manage/meetings/new", data=data)
    body = added.get_data(as_text=True)
    assert added.status_code == 200  # shown again with an empty row; nothing saved
    assert 'value="Anna Nowak"' in body and 'name="speakers-1-name"' in body
    assert 'hx-select="#speakers-editor"' in body  # htmx swaps only the editor
    assert db_session.scalar(select(func.count()).select_from(Meeting)) == 0
    data = _meeting_form(**{"speakers-1-name": "Jan Kowalski", "row_action": "speakers:remove:0"})
    body = client.post("/manage/meetings/new", data=data).get_data(as_text=True)
    assert 'value="Jan Kowalski"' in body and "Anna Nowak" not in body
    data = _meeting_form(**{"speakers-1-name": "Jan Kowalski", "speakers-1-role": "Trainer"})
    assert client.post("/manage/meetings/new", data=data).status_code == 302
    meeting = db_session.scalar(select(Meeting))
    assert [(s.name, s.role) for s in meeting.speakers] == [
        ("Anna Nowak", "Retail designer"),
        ("Jan Kowalski", "Trainer"),
    ]
    page = client.get(f"/manage/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'name="speakers-1-name"' in page and 'value="Jan Kowalski"' in page


def test_bad_meeting_form_says_what_is_wrong_and_saves_nothing(client, db_session, club):
    login(client, club.club_manager)
    starts, _ends = _form_times()
    for changes, message in [
        ({"ends_at": starts}, "must end after it starts"),
        ({"capacity": "zero"}, "Not a valid integer"),
        ({"speakers-0-name": "", "speakers-0-role": "no name"}, "Give the speaker&#39;s name."),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
        ({"starts_at": "tomorrow"}, "Not a valid datetime"),
    ]:
        response = client.post("/manage/meetings/new", data=_meeting_form(**changes))
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    assert db_session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_member_registers_and_gets_ticket_and_calendar(client, db_session, club, make_meeting):
    meeting = make_meeting(capacity=1, online_url="https://meet.example/secret-room")
    login(client, club.staff)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "secret-room" not in page  # the online link is for people with a seat
    response = client.post(f"/meetings/{meeting.id}/register", headers={"HX-Request": "true"})
    assert response.status_code == 200
    panel = response.get_data(as_text=True)
    assert 'id="registration-panel"' in panel and "<html" not in panel
    assert "You have a seat" in panel
    registration = db_session.scalar(select(Registration))
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "secret-room" in page

    ticket = client.get(f"/meetings/registrations/{registration.id}/ticket")
    assert ticket.status_code == 200 and "<svg" in ticket.get_data(as_text=True)

    ics = client.get(f"/meetings/registrations/{registration.id}/calendar.ics")
    assert ics.mimetype == "text/calendar"
    event = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert str(event["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == meeting.sequence
    assert event.decoded("DTSTART") == meeting.starts_at


def test_full_meeting_puts_people_on_the_waitlist_without_javascript(
    client, db_session, club, make_meeting
):
    meeting = make_meeting(capacity=1)
    services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    db_session.commit()
    login(client, club.staff)
    response = client.post(f"/meetings/{meeting.id}/register", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "waitlist, number 1" in page
    assert "Leave the waitlist" in page


def test_registering_twice_or_for_another_company_is_refused(
    client, db_session, club, make_meeting
):
    meeting = make_meeting(capacity=5)
    login(client, club.holder)
    client.post(f"/meetings/{meeting.id}/register", data={"person_id": club.holder.id})
    page = client.post(
        f"/meetings/{meeting.id}/register",
        data={"person_id": club.holder.id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "already registered" in page
    response = client.post(
        f"/meetings/{meeting.id}/register",
        data={"person_id": club.other_staff.id},
        follow_redirects=True,
    )
    assert "only yourself or your own company" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 1


def test_someone_elses_ticket_is_not_shown(client, db_session, club, make_meeting):
    meeting = make_meeting(capacity=5)
    registration = services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    login(client, club.other_holder)
    assert client.get(f"/meetings/registrations/{registration.id}/ticket").status_code == 404
    client.post("/logout")
    login(client, club.holder)  # the account holder of the same company may see it
    assert client.get(f"/meetings/registrations/{registration.id}/ticket").status_code == 200


def test_calendar_feed_is_secret_and_revocable(client, db_session, club, make_meeting):
    meeting = make_meeting(capacity=5)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    login(client, club.staff)
    page = client.post("/meetings/calendar").get_data(as_text=True)
    start = page.index("/meetings/feed/")
    path = page[start : page.index('"', start)]
    client.post("/logout")
    feed = client.get(path)
    assert feed.status_code == 200
    assert [str(e["UID"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")] == [meeting.uid]
    assert client.get("/meetings/feed/guessed-token.ics").status_code == 404
    login(client, club.staff)
    client.post("/meetings/calendar/revoke")
    client.post("/logout")
    assert client.get(path).status_code == 404


def test_check_in_by_list_and_by_ticket_then_close(client, db_session, club, make_meeting):
    meeting = make_meeting(capacity=3, attendance_points=25)
    first = services.register(db_session, meeting, club.staff, actor=club.staff)
    second = services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    db_session.commit()
    login(client, club.club_manager)
    found = client.get(f"/manage/meetings/{meeting.id}/check-in?q=staff%20a")
    assert "Staff A" in found.get_data(as_text=True)
    assert "Staff B" not in found.get_data(as_text=True)
    response = client.post(f"/manage/meetings/{meeting.id}/check-in/{first.id}")
    assert response.status_code == 302
    token = services.ticket_token(second)
    assert "Check in" in client.get(f"/manage/meetings/tickets/{token}").get_data(as_text=True)
    client.post(f"/manage/meetings/tickets/{token}")
    again = client.post(f"/manage/meetings/tickets/{token}", follow_redirects=True)
    assert "already checked in" in again.get_data(as_text=True)
    forged = client.get(f"/manage/meetings/tickets/{token[:-3]}abc")
    assert forged.status_code == 404 and "not valid" in forged.get_data(as_text=True)

    meeting.starts_at = utcnow() - timedelta(minutes=10)  # the meeting has begun
    db_session.commit()
    client.post(f"/manage/meetings/{meeting.id}/close")
    db_session.expire_all()
    assert db_session.get(Meeting, meeting.id).status == MeetingStatus.DONE
    assert ledger.wallet_to_read(db_session, club.company.id).available == 25
    assert ledger.wallet_to_read(db_session, club.other_company.id).available == 25


def test_walk_in_of_an_unknown_person_is_a_clear_error(client, db_session, club, make_meeting):
    meeting = make_meeting(capacity=1)
    login(client, club.club_manager)
    response = client.post(
        f"/manage/meetings/{meeting.id}/walk-in", data={"email": "nobody@nowhere.example"}
    )
    assert response.status_code == 422
    assert "Nobody in the club has this e-mail" in response.get_data(as_text=True)
    response = client.post(
        f"/manage/meetings/{meeting.id}/walk-in", data={"email": club.account_manager.email}
    )
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 0
    ok = client.post(f"/manage/meetings/{meeting.id}/walk-in", data={"email": club.staff.email})
    assert ok.status_code == 302
    registration = db_session.scalar(select(Registration))
    assert registration.checked_in_at is not None and registration.is_walk_in


def test_account_holder_sees_company_attendance_and_rates(client, db_session, club, make_meeting):
    meeting = make_meeting(capacity=3)
    mine = services.register(db_session, meeting, club.holder, actor=club.holder)
    services.register(db_session, meeting, club.staff, actor=club.holder)
    services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    at = meeting.starts_at + timedelta(minutes=1)
    services.check_in(db_session, mine, actor=club.club_manager, now=at)
    services.close_meeting(db_session, meeting, actor=club.club_manager, now=at)
    db_session.commit()
    login(client, club.holder)
    page = client.get("/meetings/company").get_data(as_text=True)
    assert "Staff A" in page and "No-show" in page and "Attended" in page
    assert "Staff B" not in page
    client.post(
        f"/meetings/registrations/{mine.id}/rating", data={"rating": "5", "comment": "Świetne"}
    )
    db_session.refresh(mine)
    assert (mine.rating, mine.rating_comment) == (5, "Świetne")
    bad = client.post(f"/meetings/registrations/{mine.id}/rating", data={"rating": "9"})
    assert bad.status_code == 302
    db_session.refresh(mine)
    assert mine.rating == 5


def test_cancel_frees_the_seat_for_the_waitlist(client, db_session, club, make_meeting, mailbox):
    meeting = make_meeting(capacity=1)
    seat = services.register(db_session, meeting, club.staff, actor=club.staff)
    waiting = services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    db_session.commit()
    login(client, club.staff)
    client.post(f"/meetings/registrations/{seat.id}/cancel", data={"confirmed": "1"})
    db_session.refresh(waiting)
    assert waiting.status == RegistrationStatus.REGISTERED
    assert [m["To"] for m in mailbox.messages] == [club.other_staff.email]


def test_calendars_see_changes_and_cancellations_of_the_same_event(
    client, db_session, club, make_meeting
):
    meeting = make_meeting(capacity=5)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    uid, sequence = meeting.uid, meeting.sequence
    login(client, club.club_manager)
    starts, ends = _form_times(days=20)
    moved = client.post(
        f"/manage/meetings/{meeting.id}/edit",
        data=_meeting_form(starts_at=starts, ends_at=ends, capacity="5"),
    )
    assert moved.status_code == 302
    client.post(f"/manage/meetings/{meeting.id}/cancel", data={"confirmed": "1"})
    client.post("/logout")
    login(client, club.staff)
    page = client.post("/meetings/calendar").get_data(as_text=True)
    start = page.index("/meetings/feed/")
    feed = client.get(page[start : page.index('"', start)])
    (event,) = Calendar.from_ical(feed.data).walk("VEVENT")
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == sequence + 2  # moved, then cancelled
    assert str(event["STATUS"]) == "CANCELLED"
    assert services.local(db_session.get(Meeting, meeting.id)).strftime("%Y-%m-%dT%H:%M") == starts


def test_cancelling_a_meeting_is_confirmed_first_naming_who_is_told(
    client, db_session, club, make_meeting
):
    meeting = make_meeting(capacity=5)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    login(client, club.club_manager)
    form = client.get(f"/manage/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-confirm="People registered or waiting: 1.' in form
    assert 'name="confirm"' not in form  # no tick box any more
    asked = client.post(f"/manage/meetings/{meeting.id}/cancel")
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "People registered or waiting: 1." in page and 'name="confirmed"' in page
    db_session.refresh(meeting)
    assert meeting.status == MeetingStatus.PUBLISHED
    done = client.post(f"/manage/meetings/{meeting.id}/cancel", data={"confirmed": "1"})
    assert done.status_code == 302
    db_session.refresh(meeting)
    assert meeting.status == MeetingStatus.CANCELLED


def test_meeting_times_name_the_club_zone(client, db_session, club, make_meeting):
    # Planned at 18:00 in London: the club (Europe/Warsaw) reads 19:00, the zone named.
    start = (utcnow() + timedelta(days=30)).replace(tzinfo=None, hour=18, minute=0)
    meeting = make_meeting(
        capacity=3,
        timezone="Europe/London",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    seat = services.register(db_session, meeting, club.staff, actor=club.staff)
    services.check_in(db_session, seat, actor=club.club_manager)
    db_session.commit()
    login(client, club.staff)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "19:00 – 21:00 (Europe/Warsaw)" in page
    listed = client.get("/meetings").get_data(as_text=True)
    assert "19:00 (Europe/Warsaw)" in listed
    ticket = client.get(f"/meetings/registrations/{seat.id}/ticket").get_data(as_text=True)
    assert "19:00 – 21:00 (Europe/Warsaw)" in ticket and "Checked in at" in ticket
    client.post("/logout")
    login(client, club.club_manager)
    check_in = client.get(f"/manage/meetings/{meeting.id}/check-in").get_data(as_text=True)
    checked_at = seat.checked_in_at.astimezone(ZoneInfo("Europe/Warsaw")).strftime("%H:%M")
    assert f"{checked_at} (Europe/Warsaw)" in check_in


def test_the_quarter_calendar_pages_through_quarters_ahead(client, db_session, club, make_meeting):
    # 1 October, 00:30 in Warsaw (still 30 September in UTC) is in the fourth quarter.
    make_meeting(
        title="Jesienna akademia",
        starts_at=datetime(2031, 10, 1, 0, 30),
        ends_at=datetime(2031, 10, 1, 2, 0),
    )
    login(client, club.club_manager)
    page = client.get("/manage/meetings?quarter=2031-Q4").get_data(as_text=True)
    assert "Meetings of 2031 Q4" in page and "Jesienna akademia" in page
    assert "<caption>October 2031</caption>" in page and "<caption>December 2031</caption>" in page
    assert "quarter=2031-Q3" in page and "quarter=2032-Q1" in page
    assert "Jesienna akademia" not in client.get("/manage/meetings?quarter=2031-Q3").get_data(
        as_text=True
    )
    current = periods.this_quarter(utcnow())
    for nonsense in ("2031-Q5", "1999-Q1", "2101-Q1", "drop table"):
        page = client.get(f"/manage/meetings?quarter={nonsense}").get_data(as_text=True)
        assert f"Meetings of {current.year} Q{current.number}" in page, nonsense


def test_registration_opening_later_names_its_time_and_zone(client, db_session, club, make_meeting):
    opens = (utcnow() + timedelta(days=3)).replace(tzinfo=None, hour=9, minute=0)
    meeting = make_meeting(capacity=3, registration_opens_at=opens)
    login(client, club.staff)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"Registration opens {opens:%Y-%m-%d} 09:00 (Europe/Warsaw)." in page


def test_a_refused_ticket_says_why_once(client, db_session, club, make_meeting):
    meeting = make_meeting(capacity=3)
    seat = services.register(db_session, meeting, club.staff, actor=club.staff)
    services.cancel_registration(db_session, seat, actor=club.staff)
    db_session.commit()
    login(client, club.club_manager)
    token = services.ticket_token(seat)
    for response in (
        client.get(f"/manage/meetings/tickets/{token}"),
        client.post(f"/manage/meetings/tickets/{token}"),
    ):
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert page.count("the registration was cancelled") == 1
        assert "Ticket not accepted" in page
