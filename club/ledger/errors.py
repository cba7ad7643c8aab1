"""Errors of the ledger."""

from club.core.errors import ClubError


class LedgerError(ClubError):
    pass


class InsufficientPoints(LedgerError):
    status_code = 409


class IdempotencyConflict(LedgerError):
    """The key was used before for a different movement."""

    status_code = 409


class HoldClosed(LedgerError):
    status_code = 409
