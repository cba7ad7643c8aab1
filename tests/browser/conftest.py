"""Browser tests: the demo club served by a real HTTP server, driven by Chromium.

Fixtures:
- ``browser_app``: the Flask app on a throw-away SQLite file, filled with the demo data
  (``club.demo``; every demo user has the password ``DEMO_PASSWORD``): a copy of the
  ``demo_sqlite`` database of ``tests/conftest.py``, loaded once per worker.
  Its mail goes to the loopback SMTP server of ``tests/conftest.py`` (``mailbox``).
- ``live_server``: the base URL of that app served by werkzeug in a daemon thread.
- ``browser``: Debian's Chromium (/usr/bin/chromium) through Playwright. Missing Chromium
  skips these tests, except in CI (CI=true) where it is an error.
- ``context`` / ``page``: a fresh browser context per test (no cookie leaks), English
  locale. ``page`` records console errors and Content-Security-Policy violations and
  fails the test at teardown when there are any.

The login rate limit (5 per e-mail per 5 minutes) applies here as in production within a
test; each test starts with the limits cleared (as if five minutes had passed), so that
tests signing in as the same demo people do not exhaust them for each other. Tests that
change a user use a user of their own.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from werkzeug.serving import make_server

from club import create_app
from club.demo import DEMO_PASSWORD
from club.extensions import db, rate_limiter

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TESTS_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = TESTS_DIR / "artifacts"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "club" / "translations"
HERE = Path(__file__).resolve().parent

PASSWORD = DEMO_PASSWORD


def pytest_collection_modifyitems(config, items):
    """Every test in tests/browser drives Chromium: mark it `browser`."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- the app and its server -----------------------------------------------------------


def _compile_translations(target: Path) -> Path:
    """Compile the .po catalogues into `target` (as `make translations` does, with fuzzy
    entries), so the tests do not depend on .mo files someone forgot to rebuild."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        locale = po_path.parent.parent.name
        out_dir = target / locale / "LC_MESSAGES"
        out_dir.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=locale)
        with (out_dir / "messages.mo").open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=True)
    return target


def _copy_sqlite(source: str, target: Path) -> None:
    """A consistent copy of a SQLite database (the backup API, not a file copy)."""
    source_db = sqlite3.connect(source)
    target_db = sqlite3.connect(target)
    try:
        source_db.backup(target_db)
    finally:
        target_db.close()
        source_db.close()


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory, smtp_server, demo_sqlite):
    tmp = tmp_path_factory.mktemp("browser")
    translations = _compile_translations(tmp / "translations")
    # The demo club as `flask club demo` loaded it (tests/conftest.py), copied: these
    # tests change it, for real, through a server in another thread.
    assert demo_sqlite.result.exit_code == 0, demo_sqlite.result.output
    _copy_sqlite(demo_sqlite.url.removeprefix("sqlite:///"), tmp / "browser.sqlite3")
    app = create_app(
        {
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/browser.sqlite3",
            "SECRET_KEY": "x" * 40,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "RATELIMIT_STORAGE_URI": "memory://",
            # Mail goes to the tests' loopback SMTP server (the `mailbox` fixture).
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server[1],
            "BABEL_TRANSLATION_DIRECTORIES": str(translations),
            # Each response names its templates (club.core.template_marks): the
            # accessibility walk loads a page only when it brings something new.
            "TEMPLATE_MARKS": True,
            # Static files kept by Chromium, not asked for again on every page.
            "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(browser_app):
    with browser_app.app_context():
        rate_limiter.reset()


@pytest.fixture(scope="session")
def live_server(browser_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="club-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


# --- Chromium -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (Debian package `chromium`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the browser tests.", pytrace=False)
        pytest.skip(f"{message}; browser tests skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context_options() -> dict:
    """Override in a test module (or parametrise) for another viewport or locale."""
    return {}


@pytest.fixture
def context(browser, live_server, context_options):
    options = {
        "base_url": live_server,
        "locale": "en-US",
        "viewport": {"width": 1280, "height": 800},
        **context_options,
    }
    ctx = browser.new_context(**options)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list, repr=False)

    def allow_console_error(self, pattern: str) -> None:
        """An error the test expects, e.g. Chromium's "Failed to load resource: ... 401"
        for a page deliberately answered with an error status."""
        self.allowed.append(re.compile(pattern))

    def unexpected_console_errors(self) -> list[str]:
        return [
            error
            for error in self.console_errors
            if not any(pattern.search(error) for pattern in self.allowed)
        ]

    def __bool__(self) -> bool:
        return bool(self.unexpected_console_errors() or self.csp_violations or self.page_errors)

    def __str__(self) -> str:
        return (
            f"console errors: {self.unexpected_console_errors()}; "
            f"CSP violations: {self.csp_violations}; uncaught exceptions: {self.page_errors}"
        )


# Runs before any page script; the listener reports through a Playwright binding, which
# is not subject to the page's Content-Security-Policy.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__clubReportCsp(
    `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} on ${event.documentURI}`
  );
});
"""


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(context, page_problems):
    """A page in a fresh context; any console error or CSP violation fails the test."""

    def report_csp(violation: str) -> None:
        page_problems.csp_violations.append(violation)

    context.expose_function("__clubReportCsp", report_csp)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()

    def on_console(message):
        if message.type == "error":
            page_problems.console_errors.append(f"{message.text} ({page.url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_problems.page_errors.append(str(error)))
    yield page
    assert not page_problems, f"the browser reported problems: {page_problems}"


# --- helpers --------------------------------------------------------------------------


@pytest.fixture
def log_in(page):
    """Sign in through the real login form; returns once the next page has loaded."""

    def do(email: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("form[action$='/login'] button[type=submit]").click()

    return do


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
