"""Occasions for one person at the same moment (a meeting closed while a redemption is
fulfilled): the person is asked once, and neither occasion fails, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from club.extensions import db
from club.members.models import User
from club.satisfaction import services as satisfaction
from club.satisfaction.models import Occasion, SurveyAnswer
from tests.race import race

# Threads with connections of their own must see what the test wrote: real commits.
pytestmark = pytest.mark.real_commits


def test_occasions_at_once_ask_the_person_once(app, db_session, club):
    holder_id = club.holder.id

    def offer(index):
        person = db.session.get(User, holder_id)
        question = satisfaction.offer(db.session, person, Occasion.MEETING, index + 1)
        return question is not None

    outcomes = race(app, offer, 4)
    assert sorted(outcomes) == [False, False, False, True]
    count = select(func.count()).select_from(SurveyAnswer)
    assert db_session.scalar(count.where(SurveyAnswer.user_id == holder_id)) == 1
