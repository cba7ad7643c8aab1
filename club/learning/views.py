"""Courses as members see them: lessons, the quiz (one form, or step by step with htmx),
results, certificates, the public verification page and the account holder's team view."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from club.branding import services as branding
from club.core import codes
from club.core.access import public, requires, signed_in
from club.core.clock import utcnow
from club.core.formatting import date_
from club.core.home import home_card
from club.core.htmx import render_page_or_fragment, wants_fragment
from club.core.pdf import Certificate, certificate_pdf
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.learning import services
from club.learning.errors import CourseUnavailable, InvalidAnswer
from club.learning.models import Attempt, AttemptStatus, Course, Lesson
from club.learning.sync import courses_folder

bp = Blueprint("learning", __name__, url_prefix="/learning")

ANSWER_PREFIX = "q-"


def _course_or_404(slug: str) -> Course:
    try:
        return services.course_by_slug(
            db.session, slug, include_unpublished=current_user.role == Role.CLUB_MANAGER
        )
    except CourseUnavailable:
        abort(404)


def _lesson_or_404(course: Course, position: int) -> Lesson:
    lesson = next((item for item in course.lessons if item.position == position), None)
    if lesson is None:
        abort(404)
    return lesson


def _attempt_or_404(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    # Someone else's attempt does not exist, as far as this person can tell.
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _posted_answers(form, question_ids: list[str] | None = None) -> dict[str, list[str]]:
    """`q-<question id>` fields as {question id: [values]}; the questions shown on a step
    count as answered-with-nothing when no value came (a box unticked on purpose)."""
    answers = {qid: [] for qid in question_ids or []}
    for key in form:
        if key.startswith(ANSWER_PREFIX):
            answers[key[len(ANSWER_PREFIX) :]] = [v[:100] for v in form.getlist(key)][:20]
    return answers


# --- courses and lessons ------------------------------------------------------------


@bp.get("/")
@signed_in
def courses():
    listed = services.published_courses(db.session, language=current_user.language)
    return render_template(
        "learning/courses.html",
        progress=services.progress_for(db.session, current_user, listed),
        earns=services.earns_points(current_user),
    )


@bp.get("/courses/<slug>")
@signed_in
def course(slug: str):
    found = _course_or_404(slug)
    state = services.quiz_state(db.session, current_user, found, now=utcnow())
    version = services.current_version(db.session, found)
    return render_template(
        "learning/course.html",
        course=found,
        read=services.read_lesson_ids(db.session, current_user, found),
        state=state,
        version=version,
        earns=services.earns_points(current_user),
    )


@bp.get("/courses/<slug>/lessons/<int:position>")
@signed_in
def lesson(slug: str, position: int):
    found = _course_or_404(slug)
    item = _lesson_or_404(found, position)
    return render_template(
        "learning/lesson.html",
        course=found,
        lesson=item,
        read=services.read_lesson_ids(db.session, current_user, found),
        next_lesson=next((x for x in found.lessons if x.position > position), None),
        previous_lesson=next((x for x in reversed(found.lessons) if x.position < position), None),
    )


@bp.post("/courses/<slug>/lessons/<int:position>/read")
@signed_in
def mark_read(slug: str, position: int):
    found = _course_or_404(slug)
    item = _lesson_or_404(found, position)
    services.mark_read(db.session, current_user, item)
    db.session.commit()
    following = next((x for x in found.lessons if x.position > position), None)
    if following is not None:
        return redirect(url_for(".lesson", slug=slug, position=following.position))
    flash(_("All lessons read. The quiz is next."), "success")
    return redirect(url_for(".course", slug=slug) + "#quiz")


@bp.get("/courses/<slug>/files/<filename>")
@signed_in
def attachment(slug: str, filename: str):
    """Only files a lesson's front matter names, from that course's lessons folder."""
    found = _course_or_404(slug)
    named = {item["file"] for lesson in found.lessons for item in lesson.attachments}
    if filename not in named:
        abort(404)
    return send_from_directory(courses_folder() / found.slug / "lessons", filename)


# --- the quiz ------------------------------------------------------------------------


@bp.post("/courses/<slug>/attempts")
@signed_in
def start(slug: str):
    found = _course_or_404(slug)
    on_refusal(url_for(".course", slug=slug))
    attempt = services.start_attempt(db.session, current_user, found)
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _running_page(attempt: Attempt, *, error: str | None = None, status: int = 200):
    return render_template(
        "learning/attempt.html",
        attempt=attempt,
        course=attempt.course,
        questions=services.questions_view(attempt),
        draft=attempt.draft or {},
        error=error,
        resume=services.resume_step(attempt),
        seconds_left=services.seconds_left(attempt, utcnow()),
    ), status


def _result_page(attempt: Attempt):
    state = services.quiz_state(db.session, current_user, attempt.course, now=utcnow())
    record = state.ever_passed
    return render_template(
        "learning/result.html",
        attempt=attempt,
        course=attempt.course,
        state=state,
        review=services.review(attempt) if state.may_review else None,
        course_pass=record,
        earned_here=record if record is not None and record.attempt_id == attempt.id else None,
        earns=services.earns_points(current_user),
    )


@bp.get("/attempts/<int:attempt_id>")
@signed_in
def attempt(attempt_id: int):
    found = _attempt_or_404(attempt_id)
    if found.is_open and not services.is_overdue(found, utcnow()):
        return _running_page(found)
    return _result_page(found)


def _step_context(attempt: Attempt, number: int, error: str | None = None) -> dict:
    question_id = attempt.question_ids[number - 1]
    return {
        "attempt": attempt,
        "course": attempt.course,
        "number": number,
        "question": services.question_view(attempt, question_id),
        "given": (attempt.draft or {}).get(question_id, []),
        "answered": {qid for qid, given in (attempt.draft or {}).items() if given},
        "seconds_left": services.seconds_left(attempt, utcnow()),
        "error": error,
    }


@bp.get("/attempts/<int:attempt_id>/steps/<int:index>")
@signed_in
def step(attempt_id: int, index: int):
    found = _attempt_or_404(attempt_id)
    if not (1 <= index <= found.total):
        abort(404)
    if not found.is_open or services.is_overdue(found, utcnow()):
        return redirect(url_for(".attempt", attempt_id=found.id))
    return render_page_or_fragment(
        "learning/step.html", "learning/_step.html", **_step_context(found, index)
    )


def _go_to(url: str):
    """A full page change: htmx follows HX-Redirect, a plain form the 303."""
    if wants_fragment():
        return Response(status=204, headers={"HX-Redirect": url})
    return redirect(url, code=303)


def _finish(found: Attempt, answers: dict[str, list[str]]):
    """Grade and go to the result; shared by the one-form and the step-by-step paths."""
    outcome = services.submit_attempt(db.session, found, answers)
    db.session.commit()
    if outcome.attempt.status == AttemptStatus.EXPIRED:
        flash(_("The time limit had passed: this attempt was closed without a score."), "error")
    elif not outcome.graded_now:
        flash(_("This attempt had been submitted already; here is its result."), "info")
    return _go_to(url_for(".attempt", attempt_id=found.id))


@bp.post("/attempts/<int:attempt_id>/steps/<int:index>")
@signed_in
def save_step(attempt_id: int, index: int):
    found = _attempt_or_404(attempt_id)
    if not (1 <= index <= found.total):
        abort(404)
    if not found.is_open:
        return _go_to(url_for(".attempt", attempt_id=found.id))
    question_id = found.question_ids[index - 1]
    answers = _posted_answers(request.form, [question_id])
    go = request.form.get("go", "next")
    # The navigator's buttons ("to-3") save this answer, then open that question.
    jump = go.removeprefix("to-")
    jump_to = int(jump) if go.startswith("to-") and jump.isdigit() and len(jump) < 5 else None
    try:
        if go == "submit":
            return _finish(found, answers)
        services.save_draft(db.session, found, answers)
    except InvalidAnswer as error:
        db.session.rollback()
        context = _step_context(found, index, error.message)
        # htmx swaps only 2xx answers; the message must replace the step in place.
        status = 200 if wants_fragment() else 422
        return render_page_or_fragment(
            "learning/step.html", "learning/_step.html", **context
        ), status
    db.session.commit()
    if not found.is_open:  # the time limit passed while answering
        flash(_("The time limit had passed: this attempt was closed without a score."), "error")
        return _go_to(url_for(".attempt", attempt_id=found.id))
    target = jump_to or (index - 1 if go == "back" else index + 1)
    target = max(1, min(found.total, target))
    if wants_fragment():
        return render_template("learning/_step.html", **_step_context(found, target))
    return redirect(url_for(".step", attempt_id=found.id, index=target), code=303)


@bp.post("/attempts/<int:attempt_id>/submit")
@signed_in
def submit(attempt_id: int):
    found = _attempt_or_404(attempt_id)
    try:
        return _finish(found, _posted_answers(request.form))
    except InvalidAnswer as error:
        db.session.rollback()
        return _running_page(found, error=error.message, status=422)


# --- certificates ------------------------------------------------------------------


@bp.get("/courses/<slug>/certificate.pdf")
@signed_in
def certificate(slug: str):
    found = _course_or_404(slug)
    record = services.course_pass(db.session, current_user, found)
    if record is None:
        abort(404)
    verify_url = url_for(".verify_code", code=record.code, _external=True)
    data = certificate_pdf(
        Certificate(
            title=_("Certificate"),
            subtitle=_("This certifies that"),
            name=record.user.name,
            lines=[
                _("has passed the course"),
                f"“{found.title}”",
                _("with a score of %(percent)d%%", percent=record.percent),
            ],
            footer=[
                _("Date: %(date)s", date=date_(record.passed_at, "long")),
                _("Verification code: %(code)s", code=record.code),
                _("Check it at %(url)s", url=verify_url),
            ],
            issuer=_("Club: the loyalty club of our business partners"),
            brand=branding.pdf_brand(db.session, _("Club")),
        )
    )
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{found.slug}.pdf"'},
    )


@bp.get("/verify")
@public
def verify():
    typed = request.args.get("code", "").strip()
    if not typed:
        return render_template("learning/verify.html", code="", record=None, checked=False)
    code = codes.normalize_code(typed) or codes.as_typed(typed)
    if not code:
        return render_template("learning/verify.html", code="", record=None, checked=True), 404
    return redirect(url_for(".verify_code", code=code))


@bp.get("/verify/<code>")
@public
def verify_code(code: str):
    if not codes.verify_allowed(request.remote_addr):
        abort(429)
    record = services.find_certificate(db.session, code[:40])
    return render_template("learning/verify.html", code=code[:40], record=record, checked=True), (
        200 if record else 404
    )


# --- the account holder's team ------------------------------------------------------------


@bp.get("/team")
@requires(Role.ACCOUNT_HOLDER)
def team():
    listed = services.published_courses(db.session, language=current_user.language)
    return render_template(
        "learning/team.html",
        courses=listed,
        rows=services.company_coverage(db.session, current_user.company, listed),
    )


@home_card(order=20)
def courses_card(user):
    """The member home's card: courses passed and in progress."""
    if not user.role.is_partner:
        return None
    listed = services.published_courses(db.session, language=user.language)
    if not listed:
        return None
    progress = services.progress_for(db.session, user, listed)
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(  # noqa: S704
        render_template("learning/_home_card.html", progress=progress)
    )
