"""A short-lived cache shared by every worker: Redis when REDIS_URL is set, this
process's memory otherwise (development, tests, one worker).

Values are JSON. A Redis that does not answer must not take pages down: while it is down
each process keeps its own memory cache, logs the outage once and asks Redis again every
few seconds (as core.ratelimit does for the rate limits).

`drop(session, namespace)` forgets a namespace's entries now and again once the session
commits: a reader between the two would otherwise cache what the transaction is about to
change, for as long as the entry lives.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from fnmatch import fnmatchcase

import redis
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

EXTENSION_KEY = "club_shared_cache"
PREFIX = "club:cache:"
RETRY_SECONDS = 5.0
STORE_TIMEOUT_SECONDS = 0.2  # a cache that answers slower than the database is no cache
# Caches that show people's and companies' names as they chose them (the boards' tops):
# dropped when someone hides their name or changes it.
BOARD_TOPS = "board-tops"

log = logging.getLogger(__name__)


class SharedCache:
    def __init__(self, redis_url: str | None, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self.redis = (
            redis.Redis.from_url(
                redis_url,
                socket_timeout=STORE_TIMEOUT_SECONDS,
                socket_connect_timeout=STORE_TIMEOUT_SECONDS,
            )
            if redis_url
            else None
        )
        self.memory: dict[str, tuple[float, str]] = {}
        self.lock = threading.Lock()
        self.retry_at = 0.0
        self.down = False

    def _shared(self):
        if self.redis is None or time.monotonic() < self.retry_at:
            return None
        return self.redis

    def _failed(self, error: Exception) -> None:
        if not self.down:
            log.error("cache: Redis does not answer (%s); caching in this process", error)
        self.down = True
        self.retry_at = time.monotonic() + RETRY_SECONDS

    def get(self, namespace: str, key: str):
        name = f"{self.prefix}{namespace}:{key}"
        store = self._shared()
        if store is not None:
            try:
                text = store.get(name)
                self.down = False
                return None if text is None else json.loads(text)
            except redis.RedisError as error:
                self._failed(error)
        found = self.memory.get(name)
        if found is None or found[0] < time.monotonic():
            return None
        return json.loads(found[1])

    def set(self, namespace: str, key: str, value, seconds: float) -> None:
        name, text = f"{self.prefix}{namespace}:{key}", json.dumps(value, separators=(",", ":"))
        store = self._shared()
        if store is not None:
            try:
                store.set(name, text, px=max(1, int(seconds * 1000)))
                return
            except redis.RedisError as error:
                self._failed(error)
        with self.lock:
            now = time.monotonic()
            if len(self.memory) > 10_000:  # expired entries go now and then
                self.memory = {k: v for k, v in self.memory.items() if v[0] >= now}
            self.memory[name] = (now + seconds, text)

    def forget(self, namespace: str, keys: str = "*") -> None:
        """Forget the namespace's entries whose keys match `keys` (a glob)."""
        pattern = f"{self.prefix}{namespace}:{keys}"
        with self.lock:
            self.memory = {
                name: value for name, value in self.memory.items() if not fnmatchcase(name, pattern)
            }
        store = self._shared()  # (a Redis that is down expires its entries by itself)
        if store is not None:
            try:
                names = list(store.scan_iter(match=pattern, count=1000))
                if names:
                    store.delete(*names)
            except redis.RedisError as error:
                self._failed(error)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = SharedCache(
        app.config.get("CACHE_REDIS_URL"), app.config.get("CACHE_KEY_PREFIX") or PREFIX
    )


def cache() -> SharedCache:
    return current_app.extensions[EXTENSION_KEY]


def drop(session: Session, namespace: str, keys: str = "*") -> None:
    """Forget the entries now and once more when the session's transaction commits."""
    cache().forget(namespace, keys)
    session.info.setdefault(EXTENSION_KEY, set()).add((namespace, keys))


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    for namespace, keys in session.info.pop(EXTENSION_KEY, ()):
        cache().forget(namespace, keys)


@event.listens_for(Session, "after_rollback")
def _nothing_to_forget(session: Session) -> None:
    session.info.pop(EXTENSION_KEY, None)
