"""Rate limits shared between processes (Redis in production, memory in development)."""

from __future__ import annotations

from flask import Flask, current_app
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION_KEY = "club_rate_limiter"


class RateLimiter:
    """A thin extension over the `limits` library: hit a named key against a rule.

    Each app keeps its own storage (RATELIMIT_STORAGE_URI); with redis:// every worker
    and machine counts against the same limits.
    """

    def init_app(self, app: Flask) -> None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions[EXTENSION_KEY] = MovingWindowRateLimiter(storage)

    @staticmethod
    def _limiter() -> MovingWindowRateLimiter:
        return current_app.extensions[EXTENSION_KEY]

    def hit(self, rule: str, *identifiers: str) -> bool:
        """Count one attempt; False when any limit in `rule` ("5/minute;30/hour") is spent."""
        limiter = self._limiter()
        allowed = True
        for item in parse_many(rule):
            # Count against every limit so a burst cannot slip past the longer window.
            allowed = limiter.hit(item, *identifiers) and allowed
        return allowed

    def reset(self) -> None:
        self._limiter().storage.reset()
