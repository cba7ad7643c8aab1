"""The migrations of issue 19 move what privileges, meetings and their speakers and brief
questions say to the club language (and back down)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from club.catalog.models import Privilege
from club.events.models import Meeting
from club.extensions import db
from tests.conftest import make_test_app

pytestmark = pytest.mark.one_database("sqlite")
BEFORE = "0404108d3e14"  # the head before the texts in each language
BEFORE_SPEAKERS = "9c3e5a7d1b20"  # the head before speakers' and questions' languages


@pytest.mark.slow
def test_existing_privileges_and_meetings_are_written_in_the_club_language(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'old.sqlite3'}", None, CLUB_LANGUAGE="ru")
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(
                Privilege.__table__.insert().values(
                    slug="old",
                    title="Старая привилегия",
                    summary="Кратко",
                    description="Всё",
                    category="marketing",
                    kind="service",
                    points_cost=10,
                    money_value=5,
                    currency="PLN",
                    sponsor_share_percent=0,
                    is_pilot_only=False,
                    lead_time_days=1,
                    delivers_at_once=False,
                    brief=[{"key": "site", "label": "Сайт", "type": "url", "required": True}],
                    position=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            connection.execute(
                Meeting.__table__.insert().values(
                    uid="m@club",
                    sequence=0,
                    title="Вечер",
                    format="club_evening",
                    theme="Тема",
                    description="Описание",
                    starts_at=now,
                    ends_at=now.replace(hour=12),
                    timezone="Europe/Moscow",
                    place="",
                    online_url="",
                    capacity=5,
                    audience="members",
                    is_pilot_only=False,
                    attendance_points=0,
                    status="draft",
                    created_at=now,
                )
            )
            connection.execute(
                text(
                    "INSERT INTO meeting_speaker (meeting_id, position, name, role, bio) VALUES "
                    "(1, 0, 'Анна', 'Дизайнер', ''), (1, 1, 'Ян', '', '')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            privilege = connection.execute(
                text("SELECT language, title, summary, description FROM privilege_text")
            ).all()
            meeting = connection.execute(
                text("SELECT language, title, theme, description FROM meeting_text")
            ).all()
            speakers = connection.execute(
                text("SELECT speaker_id, language, role, bio FROM meeting_speaker_text")
            ).all()
            brief = connection.execute(Privilege.__table__.select()).one().brief
        downgrade(revision=BEFORE_SPEAKERS)
        with db.engine.connect() as connection:
            brief_down = connection.execute(Privilege.__table__.select()).one().brief
        db.engine.dispose()
    assert speakers == [(1, "ru", "Дизайнер", "")]  # Ян has nothing to translate
    assert brief == [{"key": "site", "labels": {"ru": "Сайт"}, "type": "url", "required": True}]
    assert brief_down == [{"key": "site", "type": "url", "required": True, "label": "Сайт"}]
    assert privilege == [("ru", "Старая привилегия", "Кратко", "Всё")]
    assert meeting == [("ru", "Вечер", "Тема", "Описание")]
