"""Errors of club meetings."""

from club.core.errors import ClubError


class MeetingError(ClubError):
    pass


class RegistrationRefused(MeetingError):
    pass


class TicketInvalid(MeetingError):
    status_code = 404
