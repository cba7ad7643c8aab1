"""Meetings as iCalendar (RFC 5545): one file per registration and a person's feed.

Each meeting keeps one UID for its life and a SEQUENCE that rises with every change, so
calendar apps update or remove the event they already have instead of adding a copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event

from club.core.clock import utcnow
from club.events.models import Meeting, MeetingStatus, Registration, RegistrationStatus


def _event(registration: Registration, *, stamp: datetime) -> Event:
    meeting: Meeting = registration.meeting
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    summary = meeting.title
    if registration.status == RegistrationStatus.WAITLISTED:
        summary = _("%(title)s (waitlist)", title=meeting.title)
    event.add("summary", summary)
    description = [meeting.theme, meeting.description]
    # The online link is for people with a seat only.
    if meeting.online_url and registration.status == RegistrationStatus.REGISTERED:
        description.append(meeting.online_url)
        event.add("url", meeting.online_url)
    description.append(url_for("events.meeting", meeting_id=meeting.id, _external=True))
    event.add("description", "\n\n".join(part for part in description if part))
    if meeting.place:
        event.add("location", meeting.place)
    if meeting.status == MeetingStatus.CANCELLED:
        event.add("status", "CANCELLED")
    elif registration.status == RegistrationStatus.WAITLISTED:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_bytes(registrations: Iterable[Registration], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Club//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for registration in registrations:
        calendar.add_component(_event(registration, stamp=stamp))
    return calendar.to_ical()
