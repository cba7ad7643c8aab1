"""Errors of the relations domain."""

from club.core.errors import ClubError


class RelationsError(ClubError):
    pass


class InvalidRecord(RelationsError):
    """A complaint or contract the supplier's systems sent cannot be stored as it is."""

    status_code = 422


class NotInPortfolio(RelationsError):
    """The company is not one the account manager looks after."""

    status_code = 404


class BudgetExceeded(RelationsError):
    status_code = 409


class NoBudget(RelationsError):
    status_code = 409
