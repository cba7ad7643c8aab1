"""The shared store for rate limits: counted across workers, and never a lock-out.

Two app instances on one database stand for two gunicorn workers. A Redis server of the
test's own (started on a free port, stopped and started again) shows what happens when
the shared store goes down and comes back.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time

import pytest
import redis

from club.config import ConfigError, load_config
from club.core import ratelimit
from club.core.roles import Role
from club.core.sealing import new_key
from club.extensions import db
from club.members.models import User
from club.members.services import hash_password
from tests.conftest import IN_CI, PASSWORD, _free_port, make_test_app

WRONG = "not the password at all"


class RedisServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _attempt in range(100):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("no redis-server on this machine")
    server = RedisServer()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def _workers(tmp_path, storage_uri: str, count: int = 2):
    url = f"sqlite:///{tmp_path / 'club.sqlite3'}"
    apps = [make_test_app(url, None, RATELIMIT_STORAGE_URI=storage_uri) for _ in range(count)]
    with apps[0].app_context():
        db.create_all()
        db.session.add(
            User(
                email="holder@example.com",
                name="Holder",
                role=Role.CLUB_MANAGER,
                password_hash=hash_password(PASSWORD),
            )
        )
        db.session.commit()
    return apps


def _sign_in(app, password: str) -> int:
    client = app.test_client()
    response = client.post("/login", data={"email": "holder@example.com", "password": password})
    return response.status_code


def test_two_workers_let_five_guesses_through_together(tmp_path, redis_server):
    first, second = _workers(tmp_path, redis_server.url)
    statuses = [_sign_in((first, second)[n % 2], WRONG) for n in range(25)]
    # Wrong passwords answer 401 while within the limit, 429 after it: five per account.
    assert statuses.count(401) == 5
    assert statuses.count(429) == 20


def test_redis_down_nobody_is_locked_out_and_it_recovers(
    tmp_path, redis_server, caplog, monkeypatch
):
    monkeypatch.setattr(ratelimit, "RETRY_SECONDS", 0.0)
    (app,) = _workers(tmp_path, redis_server.url, count=1)
    client = app.test_client()
    assert client.get("/healthz").get_json()["shared_store"] == {"ok": True, "store": "shared"}

    redis_server.stop()
    with caplog.at_level(logging.ERROR, logger="club.core.ratelimit"):
        assert _sign_in(app, PASSWORD) == 302  # signed in, not a 500
    assert "does not answer" in caplog.text
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["shared_store"]["ok"] is False
    # Still limited while degraded, per process: the sixth wrong guess is refused.
    assert [_sign_in(app, WRONG) for _ in range(6)][-1] == 429

    redis_server.start()
    assert client.get("/healthz").status_code == 200
    key = "recovered"
    with app.app_context():
        assert ratelimit.RateLimiter().hit("1/minute", "probe", key)
    assert redis.Redis(port=redis_server.port).keys("*probe*")  # counted in Redis again


def test_a_store_that_refuses_connections_never_answers_500(tmp_path):
    (app,) = _workers(tmp_path, f"redis://127.0.0.1:{_free_port()}/0", count=1)
    assert _sign_in(app, PASSWORD) == 302
    assert app.test_client().get("/healthz").status_code == 503


def test_production_refuses_to_start_without_a_shared_store(tmp_path):
    env = {"CLUB_ENV": "production", "SECRET_KEY": "k" * 48, "VOUCHER_KEY": new_key()}
    with pytest.raises(ConfigError, match="REDIS_URL is not set"):
        load_config(tmp_path, env)
    assert (
        load_config(tmp_path, env | {"REDIS_URL": "redis://cache:6379/0"})["RATELIMIT_STORAGE_URI"]
        == "redis://cache:6379/0"
    )


def test_healthz_names_each_jobs_last_run_and_a_failure(app, db_session, client):
    from club.jobs import Job
    from club.scheduler import run_and_record

    assert client.get("/healthz").get_json()["scheduler"] == {
        "ok": True,
        "last_run": None,
        "jobs": {},
    }
    run_and_record(db_session, Job("works", lambda session: 3, {}))

    def broken(session):
        raise RuntimeError("the job broke")

    with pytest.raises(RuntimeError):
        run_and_record(db_session, Job("breaks", broken, {}))
    body = client.get("/healthz")
    assert body.status_code == 503
    scheduler = body.get_json()["scheduler"]
    assert scheduler["ok"] is False
    assert scheduler["jobs"]["works"]["ok"] is True
    assert scheduler["jobs"]["breaks"]["ok"] is False
    assert "the job broke" not in body.get_data(as_text=True)  # errors stay in the log
