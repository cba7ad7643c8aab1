"""Errors of personal data and erasure."""

from club.core.errors import ClubError


class ErasureRefused(ClubError):
    status_code = 409
