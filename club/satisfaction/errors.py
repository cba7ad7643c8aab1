"""Errors of the satisfaction question and of purchase potentials."""

from club.core.errors import ClubError


class SatisfactionError(ClubError):
    pass


class NotAsked(SatisfactionError):
    """The question is not open for this person (answered, dismissed or someone else's)."""

    status_code = 404


class InvalidPotential(SatisfactionError):
    status_code = 422
