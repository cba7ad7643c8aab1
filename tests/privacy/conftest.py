"""A club where company A's people have one of everything (tests/access_world.py),
plus what the world leaves out: a lesson read, a rated meeting, signed-in browsers and
accepted documents."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from club.consent import services as consent
from club.consent.models import DocumentKind
from club.events.models import Registration
from club.learning import services as learning
from club.learning.models import Lesson
from club.members.models import User
from club.members.sign_in import start_session
from tests.access_world import build_world


@pytest.fixture
def world(db_session, club, tmp_path, monkeypatch, app):
    monkeypatch.setitem(app.config, "COURSES_FOLDER", str(tmp_path / "courses"))
    world = build_world(db_session, club, tmp_path / "courses")
    consent.seed_first_versions(db_session)
    privacy = consent.current(db_session, DocumentKind.PRIVACY)
    rules = consent.current(db_session, DocumentKind.RULES)
    for side in (world.a, world.b):
        staff, holder = db_session.get(User, side.staff_id), db_session.get(User, side.holder_id)
        for person, document in ((staff, privacy), (holder, privacy), (holder, rules)):
            consent.accept(
                db_session,
                person,
                document,
                ip_address=f"198.51.100.{person.id % 250}",
                user_agent=f"browser-of-{side.name}-{person.role.value}",
            )
        start_session(db_session, staff)
        learning.mark_read(db_session, staff, db_session.scalar(select(Lesson)))
        seat = db_session.get(Registration, side.registration_ids["staff"])
        seat.rating_comment = f"comment-of-{side.name}"
    db_session.commit()
    return world
