"""Errors of the purchases domain."""

from club.core.errors import ClubError


class PurchasesError(ClubError):
    pass


class UnknownInvoice(PurchasesError):
    status_code = 404
