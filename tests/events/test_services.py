"""Seats, the waitlist, the company limit, check-in and attendance points."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from club.audit.models import AuditEntry
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.roles import Role
from club.events import services
from club.events.models import Attendance, MeetingStatus, Registration, RegistrationStatus
from club.ledger import services as ledger
from club.ledger.models import Entry
from club.members.models import MembershipStatus
from tests.events.conftest import meeting_data, started

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)


def _count(db_session, **where):
    query = select(func.count()).select_from(Registration)
    for key, value in where.items():
        query = query.where(getattr(Registration, key) == value)
    return db_session.scalar(query)


def test_seats_fill_in_order_then_the_waitlist(db_session, club, make_user, make_meeting):
    meeting = make_meeting(capacity=2)
    third = make_user(Role.PARTNER_STAFF, club.other_company, name="Third")
    first = services.register(db_session, meeting, club.staff, actor=club.staff)
    second = services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    waiting = services.register(db_session, meeting, third, actor=third)
    db_session.commit()
    assert first.status == second.status == RegistrationStatus.REGISTERED
    assert waiting.status == RegistrationStatus.WAITLISTED
    assert services.waitlist_position(db_session, waiting) == 1
    assert services.seats(db_session, meeting) == services.Seats(taken=2, waiting=1, capacity=2)


def test_a_freed_seat_goes_to_the_first_waiting_and_they_are_emailed(
    db_session, club, make_user, make_meeting, mailbox
):
    meeting = make_meeting(capacity=1)
    waiting_one = make_user(Role.PARTNER_STAFF, club.other_company, name="Waiting One")
    waiting_two = make_user(Role.PARTNER_STAFF, club.company, name="Waiting Two")
    seat = services.register(db_session, meeting, club.staff, actor=club.staff)
    first = services.register(db_session, meeting, waiting_one, actor=waiting_one)
    second = services.register(db_session, meeting, waiting_two, actor=waiting_two)
    db_session.commit()

    services.cancel_registration(db_session, seat, actor=club.staff)
    db_session.commit()

    assert first.status == RegistrationStatus.REGISTERED
    assert second.status == RegistrationStatus.WAITLISTED
    assert services.waitlist_position(db_session, second) == 1
    assert [message["To"] for message in mailbox.messages] == [waiting_one.email]
    assert meeting.title in mailbox.messages[0]["Subject"]


def test_a_newcomer_never_takes_a_seat_while_someone_waits(
    db_session, club, make_user, make_meeting
):
    meeting = make_meeting(capacity=1)
    waiting = make_user(Role.PARTNER_STAFF, club.other_company)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    services.register(db_session, meeting, waiting, actor=waiting)
    # Raising capacity moves the waiting person up at once...
    services.save_meeting(
        db_session,
        meeting,
        meeting_data(
            capacity=2,
            starts_at=services.local(meeting).replace(tzinfo=None),
            ends_at=services.local(meeting, meeting.ends_at).replace(tzinfo=None),
        ),
        actor=club.club_manager,
    )
    db_session.commit()
    assert services.live_registration(db_session, meeting, waiting).status == "registered"
    # ... and the next person joins the waitlist: the meeting is full again.
    newcomer = make_user(Role.PARTNER_STAFF, club.other_company)
    assert services.register(db_session, meeting, newcomer, actor=newcomer).status == (
        RegistrationStatus.WAITLISTED
    )


def test_company_seat_limit_counts_the_waitlist_too(db_session, club, make_user, make_meeting):
    meeting = make_meeting(capacity=1, seats_per_company=2)
    colleague = make_user(Role.PARTNER_STAFF, club.company)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    services.register(db_session, meeting, colleague, actor=colleague)  # waitlisted
    db_session.commit()
    with pytest.raises(services.RegistrationRefused, match="seats"):
        services.register(db_session, meeting, club.holder, actor=club.holder)
    db_session.rollback()
    assert _count(db_session, company_id=club.company.id) == 2


def test_account_holder_registers_own_staff_but_not_others(db_session, club, make_meeting):
    meeting = make_meeting(capacity=5)
    registration = services.register(db_session, meeting, club.staff, actor=club.holder)
    assert registration.registered_by_id == club.holder.id
    with pytest.raises(NotAllowed):
        services.register(db_session, meeting, club.other_staff, actor=club.holder)
    with pytest.raises(NotAllowed):
        services.register(db_session, meeting, club.holder, actor=club.staff)


@pytest.mark.parametrize(
    "situation, message",
    [
        ("twice", "already registered"),
        ("closed", "closed"),
        ("cancelled", "cancelled"),
        ("draft", "closed"),
        ("not_invited", "not open"),
        ("not_member", "member companies"),
        ("supplier", "member companies"),
    ],
)
def test_refusals_change_nothing(db_session, club, make_meeting, make_company, situation, message):
    person = club.staff
    if situation == "closed":
        meeting = make_meeting(registration_closes_at=None)
        now = meeting.starts_at + timedelta(minutes=1)
    else:
        now = utcnow()
        meeting = make_meeting(publish=situation != "draft")
    if situation == "twice":
        services.register(db_session, meeting, person, actor=person)
        db_session.commit()
    elif situation == "cancelled":
        services.cancel_meeting(db_session, meeting, actor=club.club_manager)
        db_session.commit()
    elif situation == "not_invited":
        meeting = make_meeting(audience="invited", invited_company_ids=[club.other_company.id])
    elif situation == "not_member":
        club.company.status = MembershipStatus.SUSPENDED
        db_session.commit()
    elif situation == "supplier":
        person = club.account_manager
    before = _count(db_session)
    with pytest.raises(services.MeetingError, match=message):
        services.register(db_session, meeting, person, actor=person, now=now)
    db_session.rollback()
    assert _count(db_session) == before


def test_invited_companies_may_register(db_session, club, make_meeting):
    meeting = make_meeting(audience="invited", invited_company_ids=[club.company.id])
    assert services.register(db_session, meeting, club.staff, actor=club.staff).status == (
        "registered"
    )


def test_check_in_is_idempotent_and_closing_awards_points_once(
    db_session, club, make_user, make_meeting
):
    meeting = make_meeting(capacity=3, attendance_points=50)
    absent = make_user(Role.PARTNER_STAFF, club.other_company)
    came = services.register(db_session, meeting, club.staff, actor=club.staff)
    came_too = services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    stayed_away = services.register(db_session, meeting, absent, actor=absent)
    db_session.commit()
    at = started(meeting)
    assert services.check_in(db_session, came, actor=club.club_manager, now=at) is True
    assert services.check_in(db_session, came, actor=club.club_manager, now=at) is False
    assert services.check_in(db_session, came_too, actor=club.club_manager, now=at) is True
    closing = services.close_meeting(db_session, meeting, actor=club.club_manager, now=at)
    db_session.commit()
    assert closing == services.Closing(attended=2, no_shows=1, points_awarded=100)
    assert stayed_away.attendance == Attendance.NO_SHOW
    assert came.attendance == Attendance.ATTENDED
    assert meeting.status == MeetingStatus.DONE
    assert ledger.wallet_to_read(db_session, club.company.id).available == 50
    assert ledger.wallet_to_read(db_session, club.other_company.id).available == 50
    entry = db_session.scalar(select(Entry).where(Entry.person_id == club.staff.id))
    assert (entry.source_type, entry.source_id) == ("meeting", str(meeting.id))
    with pytest.raises(services.MeetingError):
        services.close_meeting(db_session, meeting, actor=club.club_manager, now=at)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Entry)) == 2


def test_check_in_of_someone_without_a_seat_is_refused(db_session, club, make_user, make_meeting):
    meeting = make_meeting(capacity=1)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    waiting = services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    db_session.commit()
    with pytest.raises(services.MeetingError, match="no seat"):
        services.check_in(db_session, waiting, actor=club.club_manager)
    db_session.rollback()
    assert waiting.checked_in_at is None


def test_walk_in_gets_a_seat_and_is_checked_in(db_session, club, make_meeting):
    meeting = make_meeting(capacity=1)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    registration = services.walk_in(db_session, meeting, club.other_staff, actor=club.club_manager)
    db_session.commit()
    assert registration.is_walk_in and registration.checked_in_at is not None
    assert registration.status == RegistrationStatus.REGISTERED


def test_tickets_forged_cancelled_or_tampered_are_refused(db_session, club, make_meeting):
    meeting = make_meeting(capacity=2)
    registration = services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    token = services.ticket_token(registration)
    assert services.registration_of_ticket(db_session, token).id == registration.id
    for forged in ("nonsense", token[:-2] + "xx", token.replace(".", "-", 1)):
        with pytest.raises(services.TicketInvalid):
            services.registration_of_ticket(db_session, forged)
    services.cancel_registration(db_session, registration, actor=club.staff)
    db_session.commit()
    with pytest.raises(services.TicketInvalid, match="cancelled"):
        services.registration_of_ticket(db_session, token)
    # Registering again gives a new ticket; the old one stays dead.
    again = services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    with pytest.raises(services.TicketInvalid):
        services.registration_of_ticket(db_session, token)
    assert services.registration_of_ticket(db_session, services.ticket_token(again)) == again


def test_cancelling_a_meeting_emails_everyone_and_bumps_the_calendar_sequence(
    db_session, club, make_meeting, mailbox
):
    meeting = make_meeting(capacity=1)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    services.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    db_session.commit()
    sequence = meeting.sequence
    assert services.cancel_meeting(db_session, meeting, actor=club.club_manager) == 2
    db_session.commit()
    assert meeting.sequence == sequence + 1
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        [club.staff.email, club.other_staff.email]
    )


def test_reminders_a_week_and_a_day_before_are_sent_once(db_session, club, make_meeting, mailbox):
    meeting = make_meeting(capacity=2)
    services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    week_before = meeting.starts_at - timedelta(days=6, hours=20)
    assert services.send_reminders(db_session, now=week_before) == 1
    assert services.send_reminders(db_session, now=week_before + timedelta(hours=1)) == 0
    day_before = meeting.starts_at - timedelta(hours=20)
    assert services.send_reminders(db_session, now=day_before) == 1
    assert services.send_reminders(db_session, now=day_before) == 0
    db_session.commit()
    assert len(mailbox.messages) == 2
    assert "Tomorrow" in mailbox.messages[1]["Subject"]


def test_rating_only_after_attending(db_session, club, make_meeting):
    meeting = make_meeting(capacity=2)
    registration = services.register(db_session, meeting, club.staff, actor=club.staff)
    db_session.commit()
    with pytest.raises(services.MeetingError):
        services.rate(db_session, registration, person=club.staff, rating=5, comment="")
    at = started(meeting)
    services.check_in(db_session, registration, actor=club.club_manager, now=at)
    services.close_meeting(db_session, meeting, actor=club.club_manager, now=at)
    with pytest.raises(services.MeetingError):
        services.rate(db_session, registration, person=club.staff, rating=6, comment="")
    services.rate(db_session, registration, person=club.staff, rating=4, comment="Good")
    db_session.commit()
    assert services.ratings(db_session, [meeting.id])[meeting.id] == services.Ratings(1, 4.0)


def test_copy_makes_a_draft_one_quarter_later(db_session, club, make_meeting):
    meeting = make_meeting()
    copy = services.copy_meeting(db_session, meeting, actor=club.club_manager)
    db_session.commit()
    assert copy.status == MeetingStatus.DRAFT and copy.uid != meeting.uid
    assert services.local(copy).date() - services.local(meeting).date() == timedelta(weeks=13)
    assert services.local(copy).time() == services.local(meeting).time()


def test_copy_keeps_the_local_time_across_daylight_saving(db_session, club, make_meeting):
    # 9:00 in Warsaw in summer (UTC+2) stays 9:00 in autumn's copy (UTC+1).
    meeting = make_meeting(
        publish=False,
        starts_at=datetime(2031, 8, 5, 9, 0),
        ends_at=datetime(2031, 8, 5, 11, 0),
    )
    copy = services.copy_meeting(db_session, meeting, actor=club.club_manager)
    assert services.local(copy).replace(tzinfo=None) == datetime(2031, 11, 4, 9, 0)
    assert copy.starts_at - meeting.starts_at == timedelta(weeks=13, hours=1)
    assert [s.name for s in copy.speakers] == ["Jan Kowalski"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"capacity": 0}, "capacity"),
        ({"format": "webinar", "online_url": ""}, "online_url"),
        ({"place": "", "online_url": ""}, "place"),
        ({"audience": "invited", "invited_company_ids": []}, "invited_company_ids"),
        ({"audience": "invited", "invited_company_ids": [99999]}, "invited_company_ids"),
    ],
)
def test_bad_meeting_data_is_refused_with_the_field(db_session, club, changes, field):
    with pytest.raises(services.MeetingError) as caught:
        services.save_meeting(db_session, None, meeting_data(**changes), actor=club.club_manager)
    assert caught.value.field == field


def test_meeting_must_end_after_it_starts(db_session, club):
    data = meeting_data()
    data.ends_at = data.starts_at
    with pytest.raises(services.MeetingError) as caught:
        services.save_meeting(db_session, None, data, actor=club.club_manager)
    assert caught.value.field == "ends_at"


def test_a_meeting_cannot_be_created_or_moved_into_the_past(db_session, club):
    data = meeting_data()
    data.starts_at -= timedelta(days=11)  # yesterday
    data.ends_at -= timedelta(days=11)
    with pytest.raises(services.MeetingError) as caught:
        services.save_meeting(db_session, None, data, actor=club.club_manager)
    assert caught.value.field == "starts_at"

    future = meeting_data()
    meeting = services.save_meeting(db_session, None, future, actor=club.club_manager)
    # Its other fields still change once it has begun; its start does not go back.
    later = meeting.starts_at + timedelta(minutes=5)
    same_start = meeting_data(title="Renamed")
    same_start.starts_at, same_start.ends_at = future.starts_at, future.ends_at
    services.save_meeting(db_session, meeting, same_start, actor=club.club_manager, now=later)
    assert meeting.title == "Renamed"
    with pytest.raises(services.MeetingError):
        services.save_meeting(db_session, meeting, data, actor=club.club_manager)
    # The audit entry of a change names only what changed.
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "meeting.changed")
    ).first()
    assert set(entry.after) == {"title"} and set(entry.before) == {"title"}
