"""A timed quiz: the server's time left, the navigator, and where a reload comes back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from club.core.clock import utcnow
from club.core.formatting import clock
from club.learning import services
from club.learning.models import Attempt
from tests.learning.test_views import _start

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def test_the_navigator_keeps_the_answer_and_a_reload_resumes(
    login_as, club, make_course, db_session
):
    make_course()  # 20 minutes a try
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    assert services.resume_step(attempt) == 1

    page = client.get(f"/learning/attempts/{attempt.id}/steps/1").get_data(as_text=True)
    assert 'aria-current="step"' in page and f'value="to-{attempt.total}"' in page
    seconds = int(re.search(r'data-seconds-left="(\d+)"', page).group(1))
    assert 19 * 60 < seconds <= 20 * 60  # the server's count, not the browser's clock
    assert 'src="/static/js/countdown.js"' in page and "<script>" not in page

    # Without JavaScript: the navigator's button saves this answer, then opens question 3.
    response = client.post(f"/learning/attempts/{attempt.id}/steps/1", data={"go": "to-3"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/steps/3")
    # Going nowhere odd: a number out of range lands on the last question.
    response = client.post(f"/learning/attempts/{attempt.id}/steps/1", data={"go": "to-99"})
    assert response.headers["Location"].endswith(f"/steps/{attempt.total}")

    db_session.expire_all()
    kept = db_session.get(Attempt, attempt.id)
    kept.draft = {question_id: ["x"] for question_id in kept.question_ids[:2]}
    db_session.commit()
    page = client.get(f"/learning/attempts/{attempt.id}").get_data(as_text=True)
    assert f"/learning/attempts/{attempt.id}/steps/3" in page  # htmx resumes there
    assert services.resume_step(kept) == 3


def test_time_left_counts_from_the_deadline_and_never_below_zero():
    attempt = Attempt(deadline=None)
    assert services.seconds_left(attempt, None) is None
    attempt.deadline = utcnow()
    assert services.seconds_left(attempt, attempt.deadline - timedelta(seconds=125)) == 125
    assert services.seconds_left(attempt, attempt.deadline + timedelta(minutes=1)) == 0
    assert (clock(125), clock(3725), clock(-4)) == ("2:05", "1:02:05", "0:00")
