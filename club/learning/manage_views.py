"""Training coverage for the supplier: across companies and per course; resetting a
person's progress so they can retake a quiz (never earning twice)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from club.core.access import requires
from club.core.home import home_card
from club.core.roles import Role
from club.extensions import db
from club.learning import services
from club.learning.errors import CourseUnavailable
from club.learning.models import Course
from club.learning.sync import last_sync_problems
from club.members.models import Company, User
from club.members.services import visible_companies

bp = Blueprint("learning_manage", __name__, url_prefix="/manage/learning")


@home_card(order=43)
def courses_card(user):
    """On the club manager's to-do list: courses the last sync could not load."""
    if user.role != Role.CLUB_MANAGER:
        return None
    synced_at, by_course, count = last_sync_problems(db.session)
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(  # noqa: S704
        render_template(
            "learning/_todo_courses.html", synced_at=synced_at, by_course=by_course, count=count
        )
    )


def _company_ids() -> list[int] | None:
    """None for the club manager (every company); an account manager's portfolio."""
    if current_user.role == Role.CLUB_MANAGER:
        return None
    return list(db.session.scalars(visible_companies(current_user).with_only_columns(Company.id)))


def _course_or_404(slug: str) -> Course:
    try:
        return services.course_by_slug(db.session, slug, include_unpublished=True)
    except CourseUnavailable:
        abort(404)


@bp.get("/")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def coverage():
    courses = db.session.scalars(
        select(Course).order_by(Course.is_published.desc(), Course.title)
    ).all()
    by_course, by_company = services.club_coverage(
        db.session, [c for c in courses if c.is_published], company_ids=_company_ids()
    )
    return render_template(
        "learning/manage_coverage.html",
        courses=courses,
        by_course=by_course,
        by_company=by_company,
    )


@bp.get("/courses/<slug>")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def course(slug: str):
    found = _course_or_404(slug)
    return render_template(
        "learning/manage_course.html",
        course=found,
        rows=services.course_people(db.session, found, company_ids=_company_ids()),
        version=services.current_version(db.session, found),
    )


@bp.post("/courses/<slug>/people/<int:user_id>/reset")
@requires(Role.CLUB_MANAGER)
def reset(slug: str, user_id: int):
    found = _course_or_404(slug)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    cleared = services.reset_progress(db.session, person, found, actor=current_user)
    db.session.commit()
    flash(
        _(
            "%(name)s can take the quiz again (%(num)d attempts reset). Points already "
            "earned for this course stay and are not awarded again.",
            name=person.name,
            num=cleared,
        ),
        "success",
    )
    return redirect(url_for(".course", slug=slug))
