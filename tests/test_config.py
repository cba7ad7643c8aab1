"""Configuration comes from the environment, and production refuses unsafe settings."""

from __future__ import annotations

import pytest

from club.config import ConfigError, load_config
from club.core.sealing import new_key

PRODUCTION = {"CLUB_ENV": "production", "SECRET_KEY": "k" * 48, "REDIS_URL": "redis://r:6379/0"}


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(tmp_path, {"CLUB_ENV": "production"})


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="too short"):
        load_config(tmp_path, {"CLUB_ENV": "production", "SECRET_KEY": "secret"})


def test_production_refuses_to_start_without_a_voucher_key(tmp_path):
    with pytest.raises(ConfigError, match="VOUCHER_KEY is not set"):
        load_config(tmp_path, PRODUCTION)
    with pytest.raises(ConfigError, match="not a Fernet key"):
        load_config(tmp_path, {**PRODUCTION, "VOUCHER_KEY": "short"})


def test_development_generates_and_keeps_a_voucher_key(tmp_path):
    first = load_config(tmp_path, {})["VOUCHER_KEY"]
    assert load_config(tmp_path, {})["VOUCHER_KEY"] == first
    assert (tmp_path / "voucher_key").stat().st_mode & 0o777 == 0o600


def test_production_cookies_are_secure_and_host_prefixed(tmp_path):
    config = load_config(
        tmp_path,
        {
            "CLUB_ENV": "production",
            "SECRET_KEY": "k" * 48,
            "REDIS_URL": "redis://r:6379/0",
            "VOUCHER_KEY": new_key(),
        },
    )
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]


def test_development_defaults_to_sqlite_under_instance_and_keeps_its_key(tmp_path):
    first = load_config(tmp_path, {})
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'club.sqlite3'}"
    assert len(first["SECRET_KEY"]) >= 32
    assert load_config(tmp_path, {})["SECRET_KEY"] == first["SECRET_KEY"]


def test_database_url_is_read_for_postgresql(tmp_path):
    config = load_config(tmp_path, {"DATABASE_URL": "postgresql://club@db/club"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://club@db/club"


def test_the_wsgi_app_refuses_to_start_in_production_without_a_key(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        env={"CLUB_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        cwd=str(__import__("tests.conftest").conftest.ROOT),
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
