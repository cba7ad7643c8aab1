"""Why the webhooks say no."""

from __future__ import annotations

from club.core.errors import ClubError


class WebhookRefused(ClubError):
    """An endpoint URL or a step the club refuses (the message names the reason)."""

    status_code = 422
