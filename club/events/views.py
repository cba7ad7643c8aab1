"""Club meetings as members see them: the list, a meeting, registering, tickets, calendars."""

from __future__ import annotations

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from club.core.access import public, requires, same_company_or_404
from club.core.clock import utcnow
from club.core.confirm import confirmation_page, question
from club.core.formatting import span_zoned
from club.core.forms import choices
from club.core.home import home_card
from club.core.htmx import render_page_or_fragment, wants_fragment
from club.core.refusals import on_refusal
from club.core.roles import ALL_ROLES, PARTNER_ROLES, Role
from club.events import ics, services
from club.events.forms import RatingForm, RegisterForm
from club.events.models import (
    FORMAT_LABELS,
    Attendance,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from club.events.ticket_pdf import Ticket, ticket_pdf
from club.extensions import db
from club.members.forms import ConfirmForm
from club.members.models import User
from club.members.standing import sees_pilot_only

bp = Blueprint("events", __name__, url_prefix="/meetings")


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not services.visible_to_members(meeting) and current_user.role != Role.CLUB_MANAGER:
        abort(404)
    if meeting.is_pilot_only and not sees_pilot_only(current_user):
        abort(404)
    return meeting


def _registration_or_404(registration_id: int) -> Registration:
    """The person's own registration; an account holder also sees their staff's."""
    registration = db.get_or_404(Registration, registration_id)
    if current_user.role == Role.CLUB_MANAGER:
        return registration
    if current_user.role == Role.ACCOUNT_HOLDER:
        same_company_or_404(current_user, registration.company_id)
    elif registration.user_id != current_user.id:
        abort(404)
    return registration


@bp.get("")
@requires(*ALL_ROLES)
def meetings():
    when = "past" if request.args.get("when") == "past" else "upcoming"
    format = request.args.get("format", "")
    query = (services.past if when == "past" else services.upcoming)(db.session, format=format)
    if not sees_pilot_only(current_user):
        query = query.where(Meeting.is_pilot_only.is_(False))
    found = db.session.scalars(query.limit(200)).all()
    mine = {}
    if current_user.role.is_partner:
        mine = {
            registration.meeting_id: registration
            for registration in db.session.scalars(
                select(Registration).where(
                    Registration.user_id == current_user.id,
                    Registration.meeting_id.in_([meeting.id for meeting in found]),
                    Registration.status != RegistrationStatus.CANCELLED,
                )
            )
        }
    return render_page_or_fragment(
        "events/meetings.html",
        "events/_meeting_list.html",
        meetings=found,
        seats=services.seats_by_meeting(db.session, [meeting.id for meeting in found]),
        mine=mine,
        when=when,
        format=format,
        formats=FORMAT_LABELS,
    )


def _panel_context(meeting: Meeting) -> dict:
    """What the registration panel of a meeting shows to the signed-in person."""
    now = utcnow()
    registration = None
    position = None
    register_form = None
    staff_choices = []
    if current_user.role.is_partner:
        registration = services.latest_registration(db.session, meeting, current_user)
        position = registration and services.waitlist_position(db.session, registration)
        register_form = RegisterForm()
        if current_user.role == Role.ACCOUNT_HOLDER:
            staff = db.session.scalars(
                select(User)
                .where(User.company_id == current_user.company_id, User.is_active.is_(True))
                .order_by(User.name)
            ).all()
            staff_choices = [(person.id, person.name) for person in staff]
            register_form.person_id.choices = choices(staff_choices)
            register_form.person_id.data = current_user.id
    company_registrations = []
    if current_user.role == Role.ACCOUNT_HOLDER:
        company_registrations = db.session.scalars(
            select(Registration)
            .options(joinedload(Registration.user))
            .where(
                Registration.meeting_id == meeting.id,
                Registration.company_id == current_user.company_id,
                Registration.status.in_(services.LIVE),
            )
            .order_by(Registration.queued_at)
        ).all()
    rating_form = None
    if registration is not None and registration.attendance == Attendance.ATTENDED:
        rating_form = RatingForm(
            rating=registration.rating, comment=registration.rating_comment or ""
        )
    return {
        "meeting": meeting,
        "seats": services.seats(db.session, meeting),
        "registration": registration,
        "position": position,
        "closed_reason": services.registration_closed_reason(meeting, now),
        "open_to_me": current_user.role.is_partner
        and services.may_register(db.session, meeting, current_user.company),
        "register_form": register_form,
        "company_registrations": company_registrations,
        "confirm_form": ConfirmForm(),
        "rating_form": rating_form,
    }


@bp.get("/<int:meeting_id>")
@requires(*ALL_ROLES)
def meeting(meeting_id: int):
    return render_template("events/meeting.html", **_panel_context(_meeting_or_404(meeting_id)))


def _after_change(meeting: Meeting):
    """htmx gets the refreshed panel; a plain form post goes back to the meeting."""
    if wants_fragment():
        return render_template("events/_registration_panel.html", **_panel_context(meeting))
    return redirect(url_for("events.meeting", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/register")
@requires(*PARTNER_ROLES)
def register(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = RegisterForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return _after_change(meeting)
    person = current_user
    if form.person_id.data and form.person_id.data != current_user.id:
        person = db.session.get(User, form.person_id.data)
        if person is None:
            abort(404)
    on_refusal(lambda _error: _after_change(meeting))
    registration = services.register(db.session, meeting, person, actor=current_user)
    db.session.commit()
    if registration.status == RegistrationStatus.REGISTERED:
        flash(_("%(name)s has a seat at this meeting.", name=person.name), "success")
    else:
        flash(
            _(
                "The meeting is full: %(name)s is on the waitlist, number %(position)d. "
                "We will e-mail when a seat frees up.",
                name=person.name,
                position=services.waitlist_position(db.session, registration),
            ),
            "info",
        )
    return _after_change(meeting)


CANCEL_REGISTRATION = question(
    "events.cancel_registration",
    title=_l("Cancel this registration?"),
    consequence=_l(
        "The seat goes at once to the first person on the waitlist. Registering again "
        "later may put %(name)s on the waitlist."
    ),
    action=_l("Cancel the registration"),
)
LEAVE_WAITLIST = question(
    "events.leave_waitlist",
    title=_l("Leave the waitlist?"),
    consequence=_l(
        "%(name)s loses the place in line; registering again starts at the end of the waitlist."
    ),
    action=_l("Leave the waitlist"),
)


@bp.post("/registrations/<int:registration_id>/cancel")
@requires(*PARTNER_ROLES, Role.CLUB_MANAGER)
def cancel(registration_id: int):
    registration = _registration_or_404(registration_id)
    meeting = registration.meeting
    if not ConfirmForm().validate_on_submit():
        abort(400)
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    ask = confirmation_page(
        LEAVE_WAITLIST if was_waiting else CANCEL_REGISTRATION,
        back=url_for("events.meeting", meeting_id=meeting.id),
        name=registration.user.name,
    )
    if ask is not None:
        return ask
    on_refusal(lambda _error: _after_change(meeting))
    services.cancel_registration(db.session, registration, actor=current_user)
    db.session.commit()
    flash(
        _("Left the waitlist.") if was_waiting else _("Registration cancelled; the seat is free."),
        "success",
    )
    if request.form.get("next") == "manage" and current_user.role == Role.CLUB_MANAGER:
        return redirect(url_for("events_manage.meeting", meeting_id=meeting.id))
    return _after_change(meeting)


@bp.get("/registrations/<int:registration_id>/ticket")
@requires(*PARTNER_ROLES, Role.CLUB_MANAGER)
def ticket(registration_id: int):
    registration = _registration_or_404(registration_id)
    if registration.status != RegistrationStatus.REGISTERED:
        flash(_("Only a registration with a seat has a ticket."), "info")
        return redirect(url_for("events.meeting", meeting_id=registration.meeting_id))
    link = url_for("events_manage.scan", token=services.ticket_token(registration), _external=True)
    # A viewBox and no fixed size: the code scales to its box, quiet zone included.
    qr = segno.make(link, error="m").svg_inline(
        scale=5, dark="#1f2430", light="#ffffff", omitsize=True
    )
    return render_template(
        "events/ticket.html",
        registration=registration,
        meeting=registration.meeting,
        qr=qr,
        link=link,
    )


@bp.get("/registrations/<int:registration_id>/ticket.pdf")
@requires(*PARTNER_ROLES, Role.CLUB_MANAGER)
def ticket_file(registration_id: int):
    """The ticket to print or keep on the phone: the QR code and a calendar link."""
    registration = _registration_or_404(registration_id)
    if registration.status != RegistrationStatus.REGISTERED:
        flash(_("Only a registration with a seat has a ticket."), "info")
        return redirect(url_for("events.meeting", meeting_id=registration.meeting_id))
    meeting = registration.meeting
    ticket = Ticket(
        heading=_("Ticket"),
        title=meeting.title,
        person=registration.user.name,
        company=registration.company.name if registration.company else "",
        when=span_zoned(meeting.starts_at, meeting.ends_at),
        where=meeting.place or (_("Online") if meeting.online_url else ""),
        scan_link=url_for(
            "events_manage.scan", token=services.ticket_token(registration), _external=True
        ),
        scan_hint=_(
            "Show this code at the entrance. It is personal: the club manager checks you in "
            "by scanning it."
        ),
        calendar_label=_("Add to calendar (.ics)"),
        calendar_link=url_for(
            "events.registration_ics", registration_id=registration.id, _external=True
        ),
        ticket_label=_("Ticket"),
        ticket_link=url_for("events.ticket", registration_id=registration.id, _external=True),
    )
    return Response(
        ticket_pdf(ticket),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="ticket-{registration.id}.pdf"'},
    )


@bp.get("/registrations/<int:registration_id>/calendar.ics")
@requires(*PARTNER_ROLES, Role.CLUB_MANAGER)
def registration_ics(registration_id: int):
    registration = _registration_or_404(registration_id)
    if registration.status == RegistrationStatus.CANCELLED:
        abort(404)
    body = ics.calendar_bytes([registration], name=registration.meeting.title)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="meeting-{registration.meeting_id}.ics"'
        },
    )


@bp.post("/registrations/<int:registration_id>/rating")
@requires(*PARTNER_ROLES)
def rate(registration_id: int):
    registration = _registration_or_404(registration_id)
    form = RatingForm()
    if not form.validate_on_submit():
        flash(_("Choose from 1 to 5 stars."), "error")
        return redirect(url_for("events.meeting", meeting_id=registration.meeting_id))
    on_refusal(url_for("events.meeting", meeting_id=registration.meeting_id))
    services.rate(
        db.session,
        registration,
        person=current_user,
        rating=form.rating.data,
        comment=form.comment.data or "",
    )
    db.session.commit()
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for("events.meeting", meeting_id=registration.meeting_id))


@bp.get("/company")
@requires(Role.ACCOUNT_HOLDER)
def company_attendance():
    found = db.session.scalars(
        services.company_registrations(db.session, current_user.company_id)
        .options(joinedload(Registration.user), joinedload(Registration.meeting))
        .limit(500)
    ).all()
    return render_template("events/company.html", registrations=found)


# --- calendar feed ---------------------------------------------------------------------


@bp.get("/calendar")
@requires(*PARTNER_ROLES)
def calendar_feed():
    registrations = db.session.scalars(
        services.my_registrations(db.session, current_user).options(
            joinedload(Registration.meeting)
        )
    ).all()
    return render_template(
        "events/calendar.html",
        has_feed=services.has_feed(db.session, current_user),
        feed_url=None,
        registrations=registrations,
        form=ConfirmForm(),
    )


@bp.post("/calendar")
@requires(*PARTNER_ROLES)
def renew_feed():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = services.new_feed(db.session, current_user)
    db.session.commit()
    registrations = db.session.scalars(
        services.my_registrations(db.session, current_user).options(
            joinedload(Registration.meeting)
        )
    ).all()
    # The address is shown once: only its hash is stored.
    return render_template(
        "events/calendar.html",
        has_feed=True,
        feed_url=url_for("events.feed", token=token, _external=True),
        registrations=registrations,
        form=ConfirmForm(),
    )


@bp.post("/calendar/revoke")
@requires(*PARTNER_ROLES)
def revoke_feed():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke_feed(db.session, current_user)
    db.session.commit()
    flash(_("The calendar address no longer works."), "success")
    return redirect(url_for("events.calendar_feed"))


@bp.get("/feed/<token>.ics")
@public
def feed(token: str):
    owner = services.feed_owner(db.session, token)
    if owner is None:
        abort(404)
    body = ics.calendar_bytes(
        services.feed_registrations(db.session, owner), name=_("Club meetings")
    )
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private"})


@home_card(order=30)
def upcoming_card(user):
    """Meetings the person is registered for, on the member home page."""
    if not user.role.is_partner:
        return None
    now = utcnow()
    found = db.session.scalars(
        services.my_registrations(db.session, user)
        .where(Meeting.ends_at > now, Meeting.status == MeetingStatus.PUBLISHED)
        .options(joinedload(Registration.meeting))
        .limit(3)
    ).all()
    return Markup(  # noqa: S704  (a rendered template, escaped by Jinja)
        render_template("events/_home_card.html", registrations=found)
    )
