"""Configuration from environment variables, with safe defaults for development."""

from __future__ import annotations

import os
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

from club.core import sealing
from club.core.countries import is_country
from club.core.currencies import is_currency

LANGUAGES = ("en", "pl", "ru")

# A key shorter than this is refused in production: it can be guessed.
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


def _dev_secret_key(instance_path: Path) -> str:
    """A random key kept under instance/ so development sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _voucher_key(env, instance_path: Path, production: bool) -> str:
    """The key that seals e-voucher codes: required in production, generated and kept
    under instance/ in development."""
    key = env.get("VOUCHER_KEY")
    if not key and production:
        raise ConfigError(
            "VOUCHER_KEY is not set. In production (CLUB_ENV=production) Club seals "
            "e-voucher codes with it, so a database dump alone does not give them away: "
            "VOUCHER_KEY=\"$(python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')\" (keep it with the database backups' "
            "keys: codes sealed with a lost key cannot be read)."
        )
    if not key:
        key_file = instance_path / "voucher_key"
        if key_file.exists():
            return key_file.read_text().strip()
        instance_path.mkdir(parents=True, exist_ok=True)
        key = sealing.new_key()
        key_file.write_text(key)
        key_file.chmod(0o600)
    if not sealing.is_key(key):
        raise ConfigError(
            "VOUCHER_KEY is not a Fernet key (32 random bytes in URL-safe base64, "
            "44 characters): generate one with Fernet.generate_key()."
        )
    return key


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _port(env) -> int:
    """The port `make run` serves on (PORT, 5000 by default)."""
    value = env.get("PORT", "5000").strip()
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError(f"PORT={value!r} is not a port number (1-65535).")
    return int(value)


def _pixels(value: str) -> int:
    """A pixel count written as 16777216 or as 4096x4096."""
    try:
        width, _x, height = value.strip().lower().partition("x")
        count = int(width) * int(height) if height else int(width)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError(
            f"IMAGE_MAX_PIXELS={value!r} is not a pixel count: write e.g. 4096x4096 or 16777216."
        )
    return count


def _decimal(env, name: str, default: str):
    """A non-negative decimal setting, refused at start-up when it is not one."""
    text = env.get(name, default).strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise ConfigError(f"{name}={text!r} is not a number of 0 or more, e.g. {default}.")
    return value


def load_config(instance_path: Path, environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config from the environment.

    CLUB_ENV=production switches on the strict settings: a real SECRET_KEY and a shared
    store for rate limits (REDIS_URL) are required, cookies are Secure and ``__Host-``
    prefixed.
    """
    env = os.environ if environ is None else environ
    production = env.get("CLUB_ENV", "development") == "production"

    secret_key = env.get("SECRET_KEY")
    if production:
        if not secret_key:
            raise ConfigError(
                "SECRET_KEY is not set. In production (CLUB_ENV=production) Club needs a "
                "random secret of at least 32 characters to sign sessions and links, e.g. "
                "SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\""
            )
        if len(secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"SECRET_KEY is too short ({len(secret_key)} characters). Use a random "
                f"secret of at least {MIN_SECRET_KEY_LENGTH} characters."
            )
    elif not secret_key:
        secret_key = _dev_secret_key(instance_path)

    storage_uri = env.get("RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "memory://"
    if production and storage_uri.startswith("memory://"):
        raise ConfigError(
            "REDIS_URL is not set. In production (CLUB_ENV=production) every worker must "
            "count sign-in attempts in one shared store, or each worker allows its own five "
            "guesses: set REDIS_URL=redis://HOST:6379/0 (or RATELIMIT_STORAGE_URI)."
        )

    # The club's main currency (earning rules before any is set, invoices that name none)
    # and the country of invoice lines that name none (ERP exports without the column).
    club_currency = env.get("CLUB_CURRENCY", "PLN").strip().upper()
    if not is_currency(club_currency):
        raise ConfigError(
            f"CLUB_CURRENCY={club_currency!r} is not an ISO 4217 currency in use, "
            "e.g. PLN, EUR or RUB."
        )
    invoice_country = env.get("INVOICE_DEFAULT_COUNTRY", "PL").strip().upper()
    if not is_country(invoice_country):
        raise ConfigError(
            f"INVOICE_DEFAULT_COUNTRY={invoice_country!r} is not an ISO 3166-1 alpha-2 "
            "country code, e.g. PL, DE or RU."
        )

    club_language = env.get("CLUB_LANGUAGE", "pl").strip().lower()
    if club_language not in LANGUAGES:
        raise ConfigError(
            f"CLUB_LANGUAGE={club_language!r} is not a language of the portal: "
            + ", ".join(LANGUAGES)
        )

    voucher_key = _voucher_key(env, instance_path, production)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'club.sqlite3'}"
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix) :]

    return {
        "CLUB_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "VOUCHER_KEY": voucher_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Sessions: HttpOnly and SameSite always; Secure and __Host- in production.
        "SESSION_COOKIE_NAME": "__Host-club_session" if production else "club_session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SERVER_NAME": env.get("SERVER_NAME"),
        # Files the portal keeps: privilege pictures, uploads waiting for confirmation.
        "DATA_FOLDER": env.get("CLUB_DATA_FOLDER") or str(instance_path),
        # Where people reach the portal; links in mail sent by jobs and commands use it.
        # Unset in development, it follows PORT (`make run PORT=5123`); pages and the mail
        # they send take their links from the request itself.
        "BASE_URL": env.get("BASE_URL") or f"http://127.0.0.1:{_port(env)}",
        # Largest request body; larger ones get a 413 page, not a stack trace.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": env.get("CLUB_TIMEZONE", "Europe/Warsaw"),
        "LANGUAGES": LANGUAGES,
        # The locale each language's dates and numbers are written in (English: en_GB,
        # day-month-year; CLUB_ENGLISH_LOCALE=en_US for month-day-year).
        "FORMAT_LOCALES": {"en": env.get("CLUB_ENGLISH_LOCALE", "en_GB")},
        # Mail: SMTP when MAIL_SERVER is set, otherwise the log (development).
        "MAIL_SERVER": env.get("MAIL_SERVER"),
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_SENDER": env.get("MAIL_SENDER", "Club <club@localhost>"),
        # Development: each mail is also printed to the console and the last ones kept
        # for the club manager's page /dev/mail (which exists only in development).
        "DEV_MAIL": not production,
        # Shared state between processes (rate limits); memory:// for one process.
        "RATELIMIT_STORAGE_URI": storage_uri,
        # Short-lived cache shared by the workers (the boards' tops): Redis, else memory.
        "CACHE_REDIS_URL": env.get("REDIS_URL"),
        "CACHE_KEY_PREFIX": env.get("CACHE_KEY_PREFIX", "club:cache:"),
        # How long a board's top is served from that cache; 0: always read.
        "BOARD_CACHE_SECONDS": float(env.get("BOARD_CACHE_SECONDS", 5)),
        "LOGIN_RATE_LIMITS": env.get("LOGIN_RATE_LIMITS", "5/5minutes;30/hour"),
        "LOGIN_IP_RATE_LIMITS": env.get("LOGIN_IP_RATE_LIMITS", "30/minute;300/hour"),
        "INVITATION_LIFETIME_HOURS": int(env.get("INVITATION_LIFETIME_HOURS", 7 * 24)),
        "PASSWORD_RESET_LIFETIME_MINUTES": int(env.get("PASSWORD_RESET_LIFETIME_MINUTES", 60)),
        # argon2id cost; tests lower it, production keeps the library's RFC 9106 defaults.
        "ARGON2_TIME_COST": int(env.get("ARGON2_TIME_COST", 3)),
        "ARGON2_MEMORY_COST": int(env.get("ARGON2_MEMORY_COST", 65536)),
        "CLUB_CURRENCY": club_currency,
        # The language every privilege and meeting is written in first; a viewer whose
        # own language is missing reads it, marked "shown in ...".
        "CLUB_LANGUAGE": club_language,
        "INVOICE_DEFAULT_COUNTRY": invoice_country,
        # Points expire this many months after they were earned.
        "POINTS_EXPIRY_MONTHS": int(env.get("POINTS_EXPIRY_MONTHS", 24)),
        # A company below its tier's threshold keeps the tier this many months (warned).
        "TIER_GRACE_MONTHS": int(env.get("TIER_GRACE_MONTHS", 3)),
        # Development: run the periodic jobs inside the web process (make run sets it).
        "SCHEDULER_IN_PROCESS": _bool(env.get("CLUB_SCHEDULER")),
        "SCHEDULER_TIMEZONE": env.get("CLUB_TIMEZONE", "Europe/Warsaw"),
        # Uploaded pictures: larger files, or more pixels (a decompression bomb declares
        # billions in a few kilobytes), are refused before anything is decoded.
        "IMAGE_MAX_BYTES": int(env.get("IMAGE_MAX_BYTES", 5 * 1024 * 1024)),
        "IMAGE_MAX_PIXELS": _pixels(env.get("IMAGE_MAX_PIXELS", "4096x4096")),
        # Outbound webhooks: production calls only https addresses on public networks;
        # development and tests may call http://127.0.0.1 (a receiver on this machine).
        "WEBHOOK_REQUIRE_HTTPS": _bool(env.get("WEBHOOK_REQUIRE_HTTPS"), production),
        "WEBHOOK_ALLOW_PRIVATE": _bool(env.get("WEBHOOK_ALLOW_PRIVATE"), not production),
        "WEBHOOK_MAX_ATTEMPTS": int(env.get("WEBHOOK_MAX_ATTEMPTS", 10)),
        "WEBHOOK_TIMEOUT_SECONDS": float(env.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
        # Account holders are reminded this many days before a payment window closes.
        "PAYMENT_REMINDER_DAYS": int(env.get("PAYMENT_REMINDER_DAYS", 5)),
        # The KPI dashboard: what a point costs the supplier (in CLUB_CURRENCY) and the
        # margin rate on net purchases, for the programme cost against margin.
        "INSIGHT_POINT_VALUE": _decimal(env, "INSIGHT_POINT_VALUE", "1.00"),
        "INSIGHT_MARGIN_PERCENT": _decimal(env, "INSIGHT_MARGIN_PERCENT", "20"),
    }
