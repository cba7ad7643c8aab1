"""One error family whose messages are safe to show to a user."""

from __future__ import annotations


class ClubError(Exception):
    """A business rule said no. `message` is translated and safe to show."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The form field the message belongs to, when there is one.
        self.field = field


class NotAllowed(ClubError):
    status_code = 403


class InvalidToken(ClubError):
    """An invitation or reset link that is unknown, expired or already used."""

    status_code = 400


class RateLimited(ClubError):
    status_code = 429
