"""Errors of the satisfaction question and of purchase potentials."""

from club.core.errors import ClubError


class SatisfactionError(ClubError):
    pass


class NotAsked(SatisfactionError):
    """The question was already answered or dismissed (a second tab, a double click)."""

    status_code = 409


class InvalidPotential(SatisfactionError):
    status_code = 422
