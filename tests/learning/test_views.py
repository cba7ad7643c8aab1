"""Pages: lessons, the quiz without and with htmx, results, certificates, coverage."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from club.learning import services
from club.learning.models import Attempt, AttemptStatus, CoursePass
from club.ledger.models import Entry
from tests.learning.conftest import key_of, wrong_of

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)

HX = {"HX-Request": "true"}


def _form(answers: dict[str, list[str]]) -> dict:
    return {f"q-{qid}": values for qid, values in answers.items()}


def _start(client, course) -> Attempt:
    from club.extensions import db

    response = client.post(f"/learning/courses/{course.slug}/attempts")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Attempt, attempt_id)


def test_courses_lessons_and_reading(login_as, club, make_course):
    course = make_course()
    client = login_as(club.staff)
    page = client.get("/learning/").get_data(as_text=True)
    assert "LED panels: choosing and selling" in page and "not started" in page
    page = client.get("/learning/courses/led-panels/lessons/1").get_data(as_text=True)
    assert "<strong>watt</strong>" in page and "Datasheet" in page and "youtube.com" in page
    response = client.post("/learning/courses/led-panels/lessons/1/read")
    assert response.headers["Location"].endswith("/learning/courses/led-panels/lessons/2")
    response = client.get("/learning/courses/led-panels/files/datasheet.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    response.close()
    # Only files a lesson names; nothing else of the folder.
    assert client.get("/learning/courses/led-panels/files/course.yaml").status_code == 404
    assert client.get("/learning/courses/led-panels/files/..%2Fquiz.yaml").status_code == 404
    page = client.get("/learning/").get_data(as_text=True)
    assert "1 of 2 lessons read" in page
    assert course.id


def test_the_page_of_a_running_attempt_holds_no_answer_key(login_as, club, make_course):
    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    pages = [client.get(f"/learning/attempts/{attempt.id}").get_data(as_text=True)]
    for number in range(1, attempt.total + 1):
        pages.append(
            client.get(f"/learning/attempts/{attempt.id}/steps/{number}", headers=HX).get_data(
                as_text=True
            )
        )
    question_map = {q["id"]: q for q in attempt.quiz_version.questions}
    correct_ids = [
        o["id"] for q in question_map.values() for o in q.get("options", []) if o["correct"]
    ]
    for page in pages:
        assert "correct" not in page.lower()
        assert "Efficacy is lm/W" not in page  # explanations come after
        assert "15" not in re.sub(r"<[^>]+>", "", page).split("Savings per year")[-1][:40]
        for option_id in correct_ids:
            # Every option id appears once as a value; nothing marks the right ones.
            for match in re.finditer(option_id, page):
                context = page[max(0, match.start() - 80) : match.end() + 20]
                assert "checked" not in context and "data-" not in context


def test_the_whole_quiz_as_one_form_passes_and_pays(login_as, club, make_course, db_session):
    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    response = client.post(f"/learning/attempts/{attempt.id}/submit", data=_form(key_of(attempt)))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "100%" in page and "60 points have been added" in page
    assert "Efficacy is lm/W" in page  # the review after a pass
    # Double click: the same form again grades nothing and awards nothing.
    again = client.post(f"/learning/attempts/{attempt.id}/submit", data=_form(wrong_of(attempt)))
    assert again.status_code == 303
    assert db_session.scalar(select(func.count()).select_from(Entry)) == 1
    statement = client.get("/wallet").get_data(as_text=True)
    assert "LED panels: choosing and selling" in statement


def test_a_failed_attempt_shows_the_score_but_not_the_answers(login_as, club, make_course):
    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    response = client.post(f"/learning/attempts/{attempt.id}/submit", data=_form(wrong_of(attempt)))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0%" in page and "Not passed" in page
    assert "Efficacy is lm/W" not in page and 'id="review"' not in page
    assert "once you pass or have used all attempts" in page


def test_htmx_steps_through_the_questions(login_as, club, make_course, db_session):
    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    answers = key_of(attempt)
    for number, question_id in enumerate(attempt.question_ids, start=1):
        fragment = client.get(f"/learning/attempts/{attempt.id}/steps/{number}", headers=HX)
        body = fragment.get_data(as_text=True)
        assert 'id="quiz-step"' in body and "<html" not in body
        go = "submit" if number == attempt.total else "next"
        response = client.post(
            f"/learning/attempts/{attempt.id}/steps/{number}",
            data={f"q-{question_id}": answers[question_id], "go": go},
            headers=HX,
        )
        if go == "next":
            assert f'data-step="{number + 1}"' in response.get_data(as_text=True)
        else:
            assert response.status_code == 204 and "HX-Redirect" in response.headers
    db_session.expire_all()
    assert db_session.get(Attempt, attempt.id).status == AttemptStatus.PASSED


def test_the_steps_work_without_javascript_too(login_as, club, make_course, db_session):
    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    dali = attempt.question_ids.index("dali") + 1  # the true/false question
    response = client.post(f"/learning/attempts/{attempt.id}/steps/{dali}", data={"q-dali": "true"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/steps/{min(dali + 1, attempt.total)}")
    db_session.expire_all()
    assert db_session.get(Attempt, attempt.id).draft == {"dali": ["true"]}
    # The saved answer is shown in the one-form view.
    page = client.get(f"/learning/attempts/{attempt.id}").get_data(as_text=True)
    assert re.search(r'name="q-dali" value="true" checked', page)


def test_tampered_and_foreign_answers_are_refused(login_as, club, make_course, db_session):
    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    bad = client.post(f"/learning/attempts/{attempt.id}/submit", data={"q-efficacy": "0000aaaa"})
    assert bad.status_code == 422 and "not one of this question" in bad.get_data(as_text=True)
    bad = client.post(f"/learning/attempts/{attempt.id}/submit", data={"q-nope": "x"})
    assert bad.status_code == 422 and "not in this attempt" in bad.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Attempt, attempt.id).status == AttemptStatus.OPEN
    # Another person's attempt does not exist for them.
    client.post("/logout")
    other = login_as(club.other_staff)
    assert other.get(f"/learning/attempts/{attempt.id}").status_code == 404
    assert other.post(f"/learning/attempts/{attempt.id}/submit", data={}).status_code == 404


def test_a_late_submission_is_refused_with_a_message(login_as, club, make_course, db_session):
    from datetime import timedelta

    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    attempt.deadline = attempt.started_at - timedelta(minutes=1)
    attempt.started_at = attempt.started_at - timedelta(minutes=21)
    db_session.commit()
    response = client.post(f"/learning/attempts/{attempt.id}/submit", data=_form(key_of(attempt)))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "time limit had passed" in page
    db_session.expire_all()
    assert db_session.get(Attempt, attempt.id).status == AttemptStatus.EXPIRED
    assert db_session.scalar(select(func.count()).select_from(CoursePass)) == 0


def test_certificate_pdf_and_public_verification(login_as, club, make_course, db_session, client):
    make_course()
    club.staff.name = "Łukasz Wójcik / Ольга Смирнова"
    db_session.commit()
    staff = login_as(club.staff)
    attempt = _start(staff, type("C", (), {"slug": "led-panels"}))
    staff.post(f"/learning/attempts/{attempt.id}/submit", data=_form(key_of(attempt)))
    response = staff.get("/learning/courses/led-panels/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    code = db_session.scalar(select(CoursePass.code))
    for expected in (
        "Łukasz Wójcik / Ольга Смирнова",
        "LED panels: choosing and selling",
        "100%",
        code,
    ):
        assert expected in text, text
    staff.post("/logout")
    page = client.get(f"/learning/verify/{code}").get_data(as_text=True)
    assert "Valid certificate" in page and "Łukasz Wójcik" in page and "LED panels" in page
    assert "100%" not in page and club.staff.email not in page and "Hurtownia" not in page
    assert client.get("/learning/verify/AAAAA-BBBBB").status_code == 404
    response = client.get("/learning/verify?code=" + code.lower().replace("-", ""))
    assert response.headers["Location"].endswith(f"/learning/verify/{code}")
    # No pass, no certificate.
    client.post("/logout")
    other = login_as(club.other_staff)
    assert other.get("/learning/courses/led-panels/certificate.pdf").status_code == 404


def test_coverage_for_the_holder_and_the_managers(login_as, client, club, make_course, db_session):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course)
    services.submit_attempt(db_session, attempt, key_of(attempt))
    db_session.commit()
    page = login_as(club.holder).get("/learning/team").get_data(as_text=True)
    assert "Staff A" in page and "Staff B" not in page and "passed" in page
    client.post("/logout")
    page = login_as(club.club_manager).get("/manage/learning/").get_data(as_text=True)
    assert "LED panels" in page and "Hurtownia Żak" in page and "ООО «Другая»" in page
    client.post("/logout")
    page = login_as(club.account_manager).get("/manage/learning/").get_data(as_text=True)
    assert "Hurtownia Żak" in page and "ООО «Другая»" not in page
    client.post("/logout")
    page = (
        login_as(club.club_manager)
        .get("/manage/learning/courses/led-panels")
        .get_data(as_text=True)
    )
    assert "Staff A" in page and "Reset progress" in page


def test_a_manager_reset_lets_them_retake_without_second_points(
    login_as, club, make_course, db_session
):
    course = make_course()
    attempt = services.start_attempt(db_session, club.staff, course)
    services.submit_attempt(db_session, attempt, key_of(attempt))
    db_session.commit()
    manager = login_as(club.club_manager)
    response = manager.post(f"/manage/learning/courses/led-panels/people/{club.staff.id}/reset")
    assert response.status_code == 302
    manager.post("/logout")
    staff = login_as(club.staff)
    retake = _start(staff, course)
    assert retake.id != attempt.id
    response = staff.post(f"/learning/attempts/{retake.id}/submit", data=_form(key_of(retake)))
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "awarded on your first pass" in page
    assert db_session.scalar(select(func.count()).select_from(Entry)) == 1


def test_supplier_staff_practise_without_points(login_as, club, make_course):
    make_course()
    page = login_as(club.account_manager).get("/learning/").get_data(as_text=True)
    assert 'id="practice-note"' in page


def test_a_number_that_does_not_parse_is_asked_again_in_place(login_as, club, make_course):
    make_course()
    client = login_as(club.staff)
    attempt = _start(client, type("C", (), {"slug": "led-panels"}))
    step = attempt.question_ids.index("savings") + 1
    url = f"/learning/attempts/{attempt.id}/steps/{step}"
    response = client.post(url, data={"q-savings": "fifteen"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "is not a number" in body and 'id="quiz-step"' in body
    response = client.post(url, data={"q-savings": "fifteen"})
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)
