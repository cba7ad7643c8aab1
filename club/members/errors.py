"""Errors of the members domain."""

from club.core.errors import ClubError


class MembersError(ClubError):
    pass


class DuplicateEmail(MembersError):
    pass


class InvalidTaxId(MembersError):
    pass


class AccountHolderTaken(MembersError):
    pass


class WrongCredentials(MembersError):
    status_code = 401
