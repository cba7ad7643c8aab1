"""The club manager's meetings: the quarter's calendar, planning, check-in, closing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from club.core import periods
from club.core.access import requires
from club.core.clock import utcnow
from club.core.confirm import confirmation_page, question
from club.core.forms import ROW_ACTION, apply_row_action, choices, fill_language_fields
from club.core.home import home_card
from club.core.htmx import render_page_or_fragment
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.events import services
from club.events.forms import TEXT_FIELDS, MeetingForm, SearchForm, WalkInForm, speaker_rows
from club.events.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from club.extensions import db
from club.members.forms import ConfirmForm
from club.members.models import Company, MembershipStatus, User
from club.members.tiers import tier_choices

bp = Blueprint("events_manage", __name__, url_prefix="/manage/meetings")


@home_card(order=41)
def week_card(user):
    """On the club manager's to-do list: the meetings of the week ahead (today and the
    six days after), their free seats and waitlists."""
    if user.role != Role.CLUB_MANAGER:
        return None
    first, last = periods.coming_week(periods.club_today())
    start, end = periods.days_bounds(first, last)
    week = services.meetings_between(db.session, start, end)
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(  # noqa: S704
        render_template("events/_todo_week.html", week=week, first=first, last=last)
    )


# The quarters the calendar pages through (a meeting is planned a few years ahead at most).
LAST_YEAR = 2100


@bp.get("")
@requires(Role.CLUB_MANAGER)
def meetings():
    now = utcnow()
    quarter = periods.quarter_from_arg(
        request.args.get("quarter"), last_year=LAST_YEAR
    ) or periods.this_quarter(now)
    months = services.quarter_calendar(db.session, quarter)
    listed = [
        meeting for month in months for week in month.weeks for _d, day in week for meeting in day
    ]
    # A day of a neighbouring month appears in two grids; list each meeting once.
    listed = list({meeting.id: meeting for meeting in listed}.values())
    listed.sort(key=lambda meeting: meeting.starts_at)
    ids = [meeting.id for meeting in listed]
    return render_template(
        "events/manage_meetings.html",
        quarter=quarter,
        months=months,
        meetings=listed,
        seats=services.seats_by_meeting(db.session, ids),
        ratings=services.ratings(db.session, ids),
        today=periods.club_today(now),
    )


def _form(meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm(obj=None)
    form.timezone.choices = choices((name, name) for name in services.zone_names())
    form.min_tier_id.choices = tier_choices(db.session, _("Choose a tier"))
    form.invited_company_ids.choices = choices(
        (company.id, company.name)
        for company in db.session.scalars(
            select(Company)
            .where(Company.status == MembershipStatus.MEMBER)
            .order_by(func.lower(Company.name))
        )
    )
    if request.method == "GET":
        if meeting is None:
            form.timezone.data = periods.club_zone().key
        else:
            form.process(
                data={
                    "title": meeting.title,
                    "format": meeting.format.value,
                    "theme": meeting.theme,
                    "description": meeting.description,
                    "speakers": speaker_rows(meeting.speakers),
                    "starts_at": services.local(meeting).replace(tzinfo=None),
                    "ends_at": services.local(meeting, meeting.ends_at).replace(tzinfo=None),
                    "timezone": meeting.timezone,
                    "place": meeting.place,
                    "online_url": meeting.online_url,
                    "capacity": meeting.capacity,
                    "seats_per_company": meeting.seats_per_company,
                    "audience": meeting.audience.value,
                    "min_tier_id": str(meeting.min_tier_id or ""),
                    "invited_company_ids": [company.id for company in meeting.invited_companies],
                    "registration_opens_at": meeting.registration_opens_at
                    and services.local(meeting, meeting.registration_opens_at).replace(tzinfo=None),
                    "registration_closes_at": meeting.registration_closes_at
                    and services.local(meeting, meeting.registration_closes_at).replace(
                        tzinfo=None
                    ),
                    "attendance_points": meeting.attendance_points,
                    "is_pilot_only": meeting.is_pilot_only,
                }
            )
            fill_language_fields(form, meeting, TEXT_FIELDS)  # each language as written
    return form


def _save(meeting: Meeting | None):
    form = _form(meeting)
    if apply_row_action(form, request.form.get(ROW_ACTION)):
        return _form_page(form, meeting, 200)  # a speaker row added or removed
    if form.validate_on_submit():
        on_refusal(lambda _error: _form_page(form, meeting), form=form)
        saved = services.save_meeting(
            db.session, meeting, form.data_for_service(), actor=current_user
        )
        db.session.commit()
        flash(_("Meeting saved."), "success")
        return redirect(url_for("events_manage.meeting", meeting_id=saved.id))
    return _form_page(form, meeting)


def _form_page(form: MeetingForm, meeting: Meeting | None, status: int | None = None):
    status = status or (422 if request.method == "POST" else 200)
    return render_template("events/manage_form.html", form=form, meeting=meeting), status


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def new():
    return _save(None)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def edit(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.DONE):
        flash(_("A cancelled or finished meeting cannot be changed."), "error")
        return redirect(url_for("events_manage.meeting", meeting_id=meeting.id))
    return _save(meeting)


@bp.get("/<int:meeting_id>")
@requires(Role.CLUB_MANAGER)
def meeting(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    registrations = db.session.scalars(
        services.registrations(db.session, meeting).options(
            joinedload(Registration.user), joinedload(Registration.company)
        )
    ).all()
    rated = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user))
        .where(Registration.meeting_id == meeting.id, Registration.rating.is_not(None))
        .order_by(Registration.rated_at.desc())
    ).all()
    no_shows = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user), joinedload(Registration.company))
        .where(Registration.meeting_id == meeting.id, Registration.attendance == "no_show")
    ).all()
    return render_template(
        "events/manage_meeting.html",
        meeting=meeting,
        quarter=periods.quarter_of(meeting.starts_at),
        seats=services.seats(db.session, meeting),
        registrations=registrations,
        rated=rated,
        rating=services.ratings(db.session, [meeting.id])[meeting.id],
        no_shows=no_shows,
        confirm_form=ConfirmForm(),
        now=utcnow(),
    )


def _action(meeting_id: int, action, done_message):
    meeting = db.get_or_404(Meeting, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(url_for("events_manage.meeting", meeting_id=meeting_id))
    result = action(db.session, meeting, actor=current_user)
    db.session.commit()
    flash(done_message(result), "success")
    target = result if isinstance(result, Meeting) else meeting
    return redirect(url_for("events_manage.meeting", meeting_id=target.id))


@bp.post("/<int:meeting_id>/publish")
@requires(Role.CLUB_MANAGER)
def publish(meeting_id: int):
    return _action(meeting_id, services.publish, lambda _m: _("Published: members can register."))


CANCEL_MEETING = question(
    "events.cancel_meeting",
    title=_l("Cancel this meeting?"),
    consequence=_l(
        "People registered or waiting: %(count)d. Each is e-mailed that the meeting is "
        "cancelled, and calendars show it cancelled. This cannot be undone."
    ),
    action=_l("Cancel the meeting"),
)


@bp.post("/<int:meeting_id>/cancel")
@requires(Role.CLUB_MANAGER)
def cancel(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    seats = services.seats(db.session, meeting)
    ask = confirmation_page(
        CANCEL_MEETING,
        back=url_for("events_manage.meeting", meeting_id=meeting_id),
        count=seats.taken + seats.waiting,
    )
    if ask is not None:
        return ask
    return _action(
        meeting_id,
        services.cancel_meeting,
        lambda told: _("Meeting cancelled; %(count)d people were e-mailed.", count=told),
    )


@bp.post("/<int:meeting_id>/copy")
@requires(Role.CLUB_MANAGER)
def copy(meeting_id: int):
    return _action(
        meeting_id,
        services.copy_meeting,
        lambda _m: _("A copy was made as a draft, one quarter later. Check its dates."),
    )


@bp.post("/<int:meeting_id>/close")
@requires(Role.CLUB_MANAGER)
def close(meeting_id: int):
    return _action(
        meeting_id,
        services.close_meeting,
        lambda closing: _(
            "Meeting closed: %(attended)d attended, %(no_shows)d did not come, "
            "%(points)d points awarded.",
            attended=closing.attended,
            no_shows=closing.no_shows,
            points=closing.points_awarded,
        ),
    )


# --- check-in --------------------------------------------------------------------------


def _check_in_page(meeting: Meeting, *, walk_in_form=None, status: int = 200):
    search = SearchForm(request.args)
    search.validate()
    found = db.session.scalars(
        services.registrations(db.session, meeting, text=search.q.data or "")
        .where(Registration.status == RegistrationStatus.REGISTERED)
        .options(joinedload(Registration.user), joinedload(Registration.company))
    ).all()
    return render_page_or_fragment(
        "events/check_in.html",
        "events/_check_in_list.html",
        meeting=meeting,
        registrations=found,
        seats=services.seats(db.session, meeting),
        checked_in=sum(1 for registration in found if registration.checked_in_at),
        search=search,
        walk_in_form=walk_in_form or WalkInForm(),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/<int:meeting_id>/check-in")
@requires(Role.CLUB_MANAGER)
def check_in_list(meeting_id: int):
    return _check_in_page(db.get_or_404(Meeting, meeting_id))


@bp.post("/<int:meeting_id>/check-in/<int:registration_id>")
@requires(Role.CLUB_MANAGER)
def check_in(meeting_id: int, registration_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    registration = db.get_or_404(Registration, registration_id)
    if registration.meeting_id != meeting.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(lambda _error: _after_check_in(meeting))
    fresh = services.check_in(db.session, registration, actor=current_user)
    db.session.commit()
    if fresh:
        flash(_("%(name)s checked in.", name=registration.user.name), "success")
    else:
        flash(_("%(name)s was already checked in.", name=registration.user.name), "info")
    return _after_check_in(meeting)


def _after_check_in(meeting: Meeting):
    """htmx gets the refreshed list; a plain form post goes back to the list it came from."""
    if request.headers.get("HX-Request"):
        return _check_in_page(meeting)
    return redirect(
        url_for("events_manage.check_in_list", meeting_id=meeting.id, q=request.args.get("q", ""))
    )


@bp.post("/<int:meeting_id>/walk-in")
@requires(Role.CLUB_MANAGER)
def walk_in(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    form = WalkInForm()
    if not form.validate_on_submit():
        return _check_in_page(meeting, walk_in_form=form, status=422)
    person = db.session.scalar(select(User).where(User.email == form.email.data.lower()))
    if person is None:
        form.email.errors = [_("Nobody in the club has this e-mail address.")]
        return _check_in_page(meeting, walk_in_form=form, status=422)
    on_refusal(
        lambda error: _check_in_page(meeting, walk_in_form=form, status=error.status_code),
        form=form,
    )
    services.walk_in(db.session, meeting, person, actor=current_user)
    db.session.commit()
    flash(_("%(name)s added and checked in.", name=person.name), "success")
    return redirect(url_for("events_manage.check_in_list", meeting_id=meeting.id))


def _ticket_refused(error):
    """The scanned ticket page with no one on it: the refusal is flashed above."""
    return render_template("events/scan.html", registration=None), error.status_code


@bp.get("/tickets/<token>")
@requires(Role.CLUB_MANAGER)
def scan(token: str):
    """What the manager sees after scanning a ticket's QR code."""
    on_refusal(_ticket_refused)
    registration = services.registration_of_ticket(db.session, token)
    return render_template(
        "events/scan.html",
        registration=registration,
        meeting=registration.meeting,
        token=token,
        confirm_form=ConfirmForm(),
    )


@bp.post("/tickets/<token>")
@requires(Role.CLUB_MANAGER)
def scan_check_in(token: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(_ticket_refused)
    registration = services.registration_of_ticket(db.session, token)
    fresh = services.check_in(db.session, registration, actor=current_user)
    db.session.commit()
    if fresh:
        flash(_("%(name)s checked in.", name=registration.user.name), "success")
    else:
        flash(_("%(name)s was already checked in.", name=registration.user.name), "info")
    return redirect(url_for("events_manage.scan", token=token))
