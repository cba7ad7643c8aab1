"""Many people registering at the same moment: never overbooked, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from club.core.roles import Role
from club.events import services
from club.events.models import Meeting, Registration, RegistrationStatus
from club.extensions import db
from club.ledger.models import Entry
from club.ledger.verify import verify
from club.members.models import User
from tests.events.conftest import started
from tests.race import race

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits


def _statuses(db_session, meeting_id):
    return dict(
        db_session.execute(
            select(Registration.status, func.count())
            .where(Registration.meeting_id == meeting_id)
            .group_by(Registration.status)
        ).all()
    )


def test_many_registering_at_once_never_overbook(
    app, db_session, make_company, make_user, make_meeting
):
    meeting_id = make_meeting(capacity=3, seats_per_company=2).id
    people = []
    for number in range(4):
        company = make_company(f"Racer {number}")
        people += [make_user(Role.PARTNER_STAFF, company).id for _ in range(3)]

    def register(index):
        person = db.session.get(User, people[index])
        try:
            registration = services.register(
                db.session, db.session.get(Meeting, meeting_id), person, actor=person
            )
        except services.RegistrationRefused:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return registration.status.value

    outcomes = race(app, register, len(people))
    # 4 companies x 2 places each (seats or waitlist); the third person of each is refused.
    assert outcomes.count("registered") == 3
    assert outcomes.count("waitlisted") == 5
    assert outcomes.count("refused") == 4
    assert _statuses(db_session, meeting_id) == {
        RegistrationStatus.REGISTERED: 3,
        RegistrationStatus.WAITLISTED: 5,
    }
    per_company = db_session.execute(
        select(Registration.company_id, func.count()).group_by(Registration.company_id)
    ).all()
    assert all(count <= 2 for _company, count in per_company)


def test_the_same_person_in_two_tabs_registers_once(app, db_session, club, make_meeting):
    meeting_id = make_meeting(capacity=5).id
    staff_id = club.staff.id

    def register(_index):
        person = db.session.get(User, staff_id)
        try:
            services.register(db.session, db.session.get(Meeting, meeting_id), person, actor=person)
        except services.RegistrationRefused:
            db.session.rollback()
            return 0
        db.session.commit()
        return 1

    assert sum(race(app, register, 6)) == 1
    assert _statuses(db_session, meeting_id) == {RegistrationStatus.REGISTERED: 1}


def test_cancellations_and_newcomers_at_once_keep_the_queue_fair(
    app, db_session, make_company, make_user, make_meeting
):
    meeting_id = make_meeting(capacity=3).id
    company = make_company("Queue")
    seated = [make_user(Role.PARTNER_STAFF, company) for _ in range(3)]
    waiting = [make_user(Role.PARTNER_STAFF, company) for _ in range(3)]
    newcomers = [make_user(Role.PARTNER_STAFF, company).id for _ in range(3)]
    meeting = db_session.get(Meeting, meeting_id)
    seated_ids = [services.register(db_session, meeting, p, actor=p).id for p in seated]
    waiting_ids = [p.id for p in waiting]
    for person in waiting:
        services.register(db_session, meeting, person, actor=person)
    db_session.commit()

    def work(index):
        if index < 3:
            registration = db.session.get(Registration, seated_ids[index])
            services.cancel_registration(db.session, registration, actor=registration.user)
        else:
            person = db.session.get(User, newcomers[index - 3])
            services.register(db.session, db.session.get(Meeting, meeting_id), person, actor=person)
        db.session.commit()

    race(app, work, 6)
    db_session.expire_all()
    seats_now = db_session.scalars(
        select(Registration.user_id).where(
            Registration.meeting_id == meeting_id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    ).all()
    # The three freed seats went to the three who waited, never to a newcomer.
    assert sorted(seats_now) == sorted(waiting_ids)


def test_closing_twice_at_once_awards_points_once(app, db_session, club, make_meeting):
    meeting = make_meeting(capacity=2, attendance_points=40)
    registration = services.register(db_session, meeting, club.staff, actor=club.staff)
    at = started(meeting)
    services.check_in(db_session, registration, actor=club.club_manager, now=at)
    db_session.commit()
    meeting_id, manager_id = meeting.id, club.club_manager.id

    def close(_index):
        try:
            services.close_meeting(
                db.session,
                db.session.get(Meeting, meeting_id),
                actor=db.session.get(User, manager_id),
                now=at,
            )
        except services.MeetingError:
            db.session.rollback()
            return 0
        db.session.commit()
        return 1

    assert sum(race(app, close, 4)) == 1
    assert db_session.scalar(select(func.count()).select_from(Entry)) == 1
    assert verify(db_session).problems == []
