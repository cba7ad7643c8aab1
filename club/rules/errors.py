"""Errors of the rules domain."""

from club.core.errors import ClubError


class RulesError(ClubError):
    pass


class UnknownEventType(RulesError):
    status_code = 422
