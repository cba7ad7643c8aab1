"""Rate limits shared between processes (Redis in production, memory in development).

A shared store that is down must not lock everyone out: while Redis does not answer,
each process counts in its own memory (the limits hold per worker, not across them),
logs the outage once, and tries the shared store again every few seconds, so it recovers
by itself. `status()` tells the health endpoint which store is counting.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app
from limits import parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION_KEY = "club_rate_limiter"
# How long a process counts in memory before it asks the shared store again.
RETRY_SECONDS = 5.0
# A store that does not answer within this long counts as down: a login must not hang.
STORE_TIMEOUT_SECONDS = 0.5

log = logging.getLogger(__name__)


class _Counters:
    """One app's counters: the shared store (if any) and this process's fallback."""

    def __init__(self, uri: str) -> None:
        self.shared_uri = None if uri.startswith("memory://") else uri
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.shared = None
        if self.shared_uri:
            options = {"wrap_exceptions": True}
            if self.shared_uri.startswith(("redis://", "rediss://")):
                options |= {
                    "socket_connect_timeout": STORE_TIMEOUT_SECONDS,
                    "socket_timeout": STORE_TIMEOUT_SECONDS,
                }
            self.shared = MovingWindowRateLimiter(storage_from_string(self.shared_uri, **options))
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.lock = threading.Lock()

    def limiter(self) -> MovingWindowRateLimiter:
        if self.shared is None or time.monotonic() < self.retry_at:
            return self.local
        return self.shared

    def store_failed(self, error: Exception) -> None:
        with self.lock:
            if self.down_since is None:
                self.down_since = time.time()
                log.error(
                    "rate limits: the shared store %s does not answer (%s); counting in this "
                    "process's memory until it is back",
                    self.shared_uri,
                    error,
                )
            self.retry_at = time.monotonic() + RETRY_SECONDS

    def store_answered(self) -> None:
        if self.down_since is not None:
            with self.lock:
                if self.down_since is not None:
                    log.warning("rate limits: the shared store %s is back", self.shared_uri)
                    self.down_since = None


class RateLimiter:
    """A thin extension over the `limits` library: hit a named key against a rule.

    Each app keeps its own storage (RATELIMIT_STORAGE_URI); with redis:// every worker
    and machine counts against the same limits.
    """

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION_KEY] = _Counters(app.config["RATELIMIT_STORAGE_URI"])

    @staticmethod
    def _counters() -> _Counters:
        return current_app.extensions[EXTENSION_KEY]

    def hit(self, rule: str, *identifiers: str) -> bool:
        """Count one attempt; False when any limit in `rule` ("5/minute;30/hour") is spent."""
        counters = self._counters()
        limiter = counters.limiter()
        try:
            allowed = self._hit(limiter, rule, identifiers)
        except StorageError as error:
            counters.store_failed(error)
            return self._hit(counters.local, rule, identifiers)
        if limiter is counters.shared:
            counters.store_answered()
        return allowed

    @staticmethod
    def _hit(limiter: MovingWindowRateLimiter, rule: str, identifiers) -> bool:
        allowed = True
        for item in parse_many(rule):
            # Count against every limit so a burst cannot slip past the longer window.
            allowed = limiter.hit(item, *identifiers) and allowed
        return allowed

    def status(self) -> dict:
        """For /healthz: whether the shared store answers (asked now), and which counts."""
        counters = self._counters()
        if counters.shared is None:
            return {"ok": True, "store": "memory"}
        try:
            answered = counters.shared.storage.check()
        except StorageError:
            answered = False
        if answered:
            counters.retry_at = 0.0
            counters.store_answered()
            return {"ok": True, "store": "shared"}
        counters.store_failed(ConnectionError("no answer to a health check"))
        return {"ok": False, "store": "shared", "counting": "in each process's memory"}

    def reset(self) -> None:
        counters = self._counters()
        counters.local.storage.reset()
        if counters.shared is not None:
            try:
                counters.shared.storage.reset()
            except StorageError as error:
                counters.store_failed(error)


# The one limiter; bound to each app in create_app (club.extensions re-exports it).
rate_limiter = RateLimiter()
