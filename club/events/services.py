"""Rules of club meetings, as the rest of the club calls them. Each rule lives in the
module of its part of a meeting's life:

- `meetings`: finding meetings, and the lock every change takes (meeting, then wallet);
- `planning`: drafts, changes, copies, publishing and cancelling (the club manager);
- `registration`: seats, each company's share, the waitlist and its move-up;
- `attendance`: tickets, check-in, closing with attendance points, ratings;
- `mails`: reminders and the notes other rules send;
- `quarter_calendar`: the manager's quarter as week rows;
- `feeds`: a person's secret calendar address.
"""

from club.events.attendance import (
    Closing,
    Ratings,
    check_in,
    close_meeting,
    rate,
    ratings,
    registration_of_ticket,
    ticket_token,
    walk_in,
)
from club.events.errors import MeetingError, RegistrationRefused, TicketInvalid
from club.events.feeds import feed_owner, feed_registrations, has_feed, new_feed, revoke_feed
from club.events.mails import send_reminders
from club.events.meetings import local, lock_meeting, past, upcoming, visible_to_members, zone_names
from club.events.planning import (
    COPY_SHIFT,
    MAX_SPEAKERS,
    SPEAKER_LIMITS,
    MeetingData,
    SpeakerData,
    cancel_meeting,
    copy_meeting,
    publish,
    save_meeting,
)
from club.events.quarter_calendar import CalendarMonth, quarter_calendar
from club.events.registration import (
    LIVE,
    Seats,
    cancel_registration,
    company_registrations,
    latest_registration,
    live_registration,
    may_register,
    meetings_between,
    my_registrations,
    promote_waiting,
    register,
    registration_closed_reason,
    registrations,
    seats,
    seats_by_meeting,
    waitlist_position,
)

__all__ = [
    "COPY_SHIFT",
    "LIVE",
    "MAX_SPEAKERS",
    "SPEAKER_LIMITS",
    "CalendarMonth",
    "Closing",
    "MeetingData",
    "MeetingError",
    "Ratings",
    "RegistrationRefused",
    "Seats",
    "SpeakerData",
    "TicketInvalid",
    "cancel_meeting",
    "cancel_registration",
    "check_in",
    "close_meeting",
    "company_registrations",
    "copy_meeting",
    "feed_owner",
    "feed_registrations",
    "has_feed",
    "latest_registration",
    "live_registration",
    "local",
    "lock_meeting",
    "may_register",
    "meetings_between",
    "my_registrations",
    "new_feed",
    "past",
    "promote_waiting",
    "publish",
    "quarter_calendar",
    "rate",
    "ratings",
    "register",
    "registration_closed_reason",
    "registration_of_ticket",
    "registrations",
    "revoke_feed",
    "save_meeting",
    "seats",
    "seats_by_meeting",
    "send_reminders",
    "ticket_token",
    "upcoming",
    "visible_to_members",
    "waitlist_position",
    "walk_in",
    "zone_names",
]
