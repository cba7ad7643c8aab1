"""What the club holds about one person, for them to download (JSON and a page).

Every table that names a person is read here, for that person only: rows that name
other people show only the person's side (an audit entry they made says what, not
whom). Secrets (password, session keys, token and link hashes) are never included.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from club.api.models import ApiToken
from club.audit.models import AuditEntry
from club.catalog.models import Privilege, Redemption, Wish
from club.consent.models import Acceptance, ConsentDocument
from club.core.clock import utcnow
from club.events.models import CalendarFeed, Meeting, Registration
from club.leaderboard.models import PersonTotal
from club.learning.models import Attempt, Course, CoursePass, Lesson, LessonRead
from club.ledger.explain import explain
from club.ledger.models import Entry
from club.members.models import OneTimeLink, User, UserSession
from club.satisfaction.models import SurveyAnswer


@dataclass(frozen=True)
class Section:
    key: str  # the JSON name
    title: str
    rows: list[dict]


TITLES = {
    "profile": _l("Profile"),
    "company": _l("Company"),
    "points_earned": _l("Points you earned"),
    "redemptions": _l("Redemptions you asked for"),
    "wishes": _l("Privileges you proposed"),
    "lessons_read": _l("Lessons read"),
    "quiz_attempts": _l("Quiz attempts"),
    "course_passes": _l("Courses passed"),
    "meeting_registrations": _l("Meeting registrations"),
    "satisfaction_answers": _l("Satisfaction questions"),
    "calendar_feed": _l("Calendar feed"),
    "leaderboards": _l("Leaderboard totals"),
    "acceptances": _l("Documents you accepted"),
    "sessions": _l("Signed-in browsers"),
    "api_tokens": _l("API tokens"),
    "links": _l("Invitation and password links"),
    "audit": _l("Audit log entries about you or by you"),
}


def plain(value):
    """A value as JSON carries it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _rows(session: Session, query, make) -> list[dict]:
    return [
        {key: plain(value) for key, value in make(*row).items()} for row in session.execute(query)
    ]


def _profile(user: User) -> list[dict]:
    return [
        {
            key: plain(getattr(user, key))
            for key in (
                "id",
                "name",
                "email",
                "role",
                "language",
                "is_shown_on_boards",
                "is_active",
                "created_at",
                "last_login_at",
            )
        }
    ]


def _company(user: User) -> list[dict]:
    company = user.company
    if company is None:
        return []
    return [
        {
            "name": company.name,
            "country": company.country,
            "tax_id": company.tax_id,
            "address": company.address,
            "status": plain(company.status),
        }
    ]


def _earned(session: Session, user: User) -> list[dict]:
    entries = session.scalars(
        select(Entry).where(Entry.person_id == user.id).order_by(Entry.created_at, Entry.id)
    )
    return [
        {
            "date": plain(entry.created_at),
            "kind": plain(entry.kind),
            "points": entry.amount,
            "description": explain(entry),
        }
        for entry in entries
    ]


def _learning(session: Session, user: User) -> dict[str, list[dict]]:
    return {
        "lessons_read": _rows(
            session,
            select(LessonRead, Lesson, Course)
            .join(Lesson, Lesson.id == LessonRead.lesson_id)
            .join(Course, Course.id == Lesson.course_id)
            .where(LessonRead.user_id == user.id)
            .order_by(LessonRead.read_at),
            lambda read, lesson, course: {
                "course": course.title,
                "lesson": lesson.title,
                "read_at": read.read_at,
            },
        ),
        "quiz_attempts": _rows(
            session,
            select(Attempt, Course)
            .join(Course, Course.id == Attempt.course_id)
            .where(Attempt.user_id == user.id)
            .order_by(Attempt.started_at, Attempt.id),
            lambda attempt, course: {
                "course": course.title,
                "number": attempt.number,
                "status": attempt.status,
                "percent": attempt.percent,
                "started_at": attempt.started_at,
                "submitted_at": attempt.submitted_at,
            },
        ),
        "course_passes": _rows(
            session,
            select(CoursePass, Course)
            .join(Course, Course.id == CoursePass.course_id)
            .where(CoursePass.user_id == user.id)
            .order_by(CoursePass.passed_at),
            lambda course_pass, course: {
                "course": course.title,
                "percent": course_pass.percent,
                "points": course_pass.points,
                "certificate_code": course_pass.code,
                "passed_at": course_pass.passed_at,
            },
        ),
    }


def _club_life(session: Session, user: User) -> dict[str, list[dict]]:
    return {
        "redemptions": _rows(
            session,
            select(Redemption, Privilege)
            .join(Privilege, Privilege.id == Redemption.privilege_id)
            .where(Redemption.requested_by_id == user.id)
            .order_by(Redemption.created_at),
            lambda redemption, privilege: {
                "privilege": privilege.title,
                "status": redemption.status,
                "points": redemption.points,
                "answers": redemption.answers,
                "delivery_address": redemption.delivery_address,
                "contact_phone": redemption.contact_phone,
                "created_at": redemption.created_at,
            },
        ),
        "wishes": _rows(
            session,
            select(Wish, Privilege)
            .join(Privilege, Privilege.id == Wish.privilege_id)
            .where(Wish.proposed_by_id == user.id)
            .order_by(Wish.created_at),
            lambda wish, privilege: {
                "privilege": privilege.title,
                "status": wish.status,
                "note": wish.note,
                "created_at": wish.created_at,
            },
        ),
        "meeting_registrations": _rows(
            session,
            select(Registration, Meeting)
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .where(Registration.user_id == user.id)
            .order_by(Registration.queued_at),
            lambda registration, meeting: {
                "meeting": meeting.title,
                "starts_at": meeting.starts_at,
                "status": registration.status,
                "checked_in_at": registration.checked_in_at,
                "attendance": registration.attendance,
                "rating": registration.rating,
                "rating_comment": registration.rating_comment,
            },
        ),
        "satisfaction_answers": _rows(
            session,
            select(SurveyAnswer)
            .where(SurveyAnswer.user_id == user.id)
            .order_by(SurveyAnswer.asked_at),
            lambda answer: {
                "occasion": answer.occasion_kind,
                "asked_at": answer.asked_at,
                "answered_at": answer.answered_at,
                "score": answer.score,
                "comment": answer.comment,
                "is_dismissed": answer.is_dismissed,
            },
        ),
    }


def _traces(session: Session, user: User) -> dict[str, list[dict]]:
    return {
        "calendar_feed": _rows(
            session,
            select(CalendarFeed).where(CalendarFeed.user_id == user.id),
            lambda feed: {"created_at": feed.created_at},
        ),
        "leaderboards": _rows(
            session,
            select(PersonTotal)
            .where(PersonTotal.person_id == user.id)
            .order_by(PersonTotal.period),
            lambda total: {"period": total.period, "points": total.points},
        ),
        "acceptances": _rows(
            session,
            select(Acceptance, ConsentDocument)
            .join(ConsentDocument, ConsentDocument.id == Acceptance.document_id)
            .where(Acceptance.user_id == user.id)
            .order_by(Acceptance.accepted_at),
            lambda acceptance, document: {
                "document": document.kind,
                "version": document.version,
                "accepted_at": acceptance.accepted_at,
                "ip_address": acceptance.ip_address,
                "user_agent": acceptance.user_agent,
            },
        ),
    }


def _access(session: Session, user: User) -> dict[str, list[dict]]:
    return {
        "sessions": _rows(
            session,
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id),
            lambda browser: {"started_at": browser.created_at},
        ),
        "api_tokens": _rows(
            session,
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id),
            lambda token: {
                "name": token.name,
                "prefix": token.prefix,
                "scopes": token.scopes,
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "revoked_at": token.revoked_at,
            },
        ),
        "links": _rows(
            session,
            select(OneTimeLink).where(OneTimeLink.user_id == user.id).order_by(OneTimeLink.id),
            lambda link: {
                "purpose": link.purpose,
                "created_at": link.created_at,
                "expires_at": link.expires_at,
                "used_at": link.used_at,
            },
        ),
        "audit": _rows(
            session,
            select(AuditEntry)
            .where(
                or_(
                    AuditEntry.actor_id == user.id,
                    (AuditEntry.object_type == User.__tablename__)
                    & (AuditEntry.object_id == str(user.id)),
                )
            )
            .order_by(AuditEntry.created_at, AuditEntry.id),
            lambda entry: _audit_row(entry, user),
        ),
    }


def _audit_row(entry: AuditEntry, user: User) -> dict:
    """What they did (not to whom), and what was changed about them (with the values)."""
    about_them = entry.object_type == User.__tablename__ and entry.object_id == str(user.id)
    return {
        "at": entry.created_at,
        "action": entry.action,
        "by_you": entry.actor_id == user.id,
        "before": entry.before if about_them else None,
        "after": entry.after if about_them else None,
        "ip_address": entry.ip_address if entry.actor_id == user.id else None,
    }


def personal_data(session: Session, user: User, *, now: datetime | None = None) -> dict:
    """Everything, as the JSON download carries it."""
    sections = {
        "profile": _profile(user),
        "company": _company(user),
        "points_earned": _earned(session, user),
        **_club_life(session, user),
        **_traces(session, user),
        **_learning(session, user),
        **_access(session, user),
    }
    return {
        "generated_at": plain(now or utcnow()),
        **{key: sections[key] for key in TITLES},
    }


def sections(data: dict) -> list[Section]:
    """The same data for the page: titled sections in a fixed order."""
    return [Section(key, str(title), data[key]) for key, title in TITLES.items()]
