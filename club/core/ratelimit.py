"""Rate limits shared between processes (Redis in production, memory in development)."""

from __future__ import annotations

from flask import Flask
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """A thin extension over the `limits` library: hit a named key against a rule."""

    def __init__(self) -> None:
        self._limiter: MovingWindowRateLimiter | None = None

    def init_app(self, app: Flask) -> None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        self._limiter = MovingWindowRateLimiter(storage)
        app.extensions["club_rate_limiter"] = self

    def hit(self, rule: str, *identifiers: str) -> bool:
        """Count one attempt; False when any limit in `rule` ("5/minute;30/hour") is spent."""
        assert self._limiter is not None, "RateLimiter.init_app() was not called"
        allowed = True
        for item in parse_many(rule):
            # Count against every limit so a burst cannot slip past the longer window.
            allowed = self._limiter.hit(item, *identifiers) and allowed
        return allowed

    def reset(self) -> None:
        assert self._limiter is not None
        self._limiter.storage.reset()
