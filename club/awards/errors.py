"""Errors of the awards domain."""

from club.core.errors import ClubError


class AwardsError(ClubError):
    pass


class QuarterNotOver(AwardsError):
    pass


class AwardFinalised(AwardsError):
    status_code = 409
