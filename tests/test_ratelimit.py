"""Rate limits are shared between processes through Redis."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from club.extensions import rate_limiter
from tests.conftest import IN_CI, make_test_app

REDIS_URL = os.environ.get("CLUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if IN_CI:
            pytest.fail(f"Redis is required in CI but did not answer at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


def test_two_app_instances_share_login_limits_through_redis(tmp_path, redis_url):
    # Two apps stand for two gunicorn workers (or two machines) behind a load balancer.
    first = make_test_app(
        f"sqlite:///{tmp_path / 'a.sqlite3'}", None, RATELIMIT_STORAGE_URI=redis_url
    )
    second = make_test_app(
        f"sqlite:///{tmp_path / 'b.sqlite3'}", None, RATELIMIT_STORAGE_URI=redis_url
    )
    key = f"test-{uuid.uuid4().hex}"
    with first.app_context():
        assert rate_limiter.hit("3/minute", "login-email", key)
        assert rate_limiter.hit("3/minute", "login-email", key)
    with second.app_context():
        assert rate_limiter.hit("3/minute", "login-email", key)
        assert not rate_limiter.hit("3/minute", "login-email", key)
    with first.app_context():
        assert not rate_limiter.hit("3/minute", "login-email", key)


def test_each_app_keeps_its_own_memory_storage(tmp_path):
    first = make_test_app(f"sqlite:///{tmp_path / 'a.sqlite3'}", None)
    second = make_test_app(f"sqlite:///{tmp_path / 'b.sqlite3'}", None)
    with first.app_context():
        assert rate_limiter.hit("1/minute", "k", "same")
        assert not rate_limiter.hit("1/minute", "k", "same")
    with second.app_context():
        assert rate_limiter.hit("1/minute", "k", "same")
