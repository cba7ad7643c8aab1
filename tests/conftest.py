"""Fixtures: the app on SQLite and on PostgreSQL, a clean database per test, factories,
and a real SMTP server on loopback.

Every test that uses `app` (directly or through `db_session`, `client`, factories) runs
once per database. PostgreSQL gets a throw-away database per run; with CI=true it is
required, elsewhere its tests are skipped when no server answers.
"""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pytest
from aiosmtpd.controller import Controller
from click.testing import Result
from flask import Flask, current_app
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import URL, Connection, delete, event

from club import create_app
from club.catalog import services as catalog
from club.core import shared_cache
from club.core.database import _write_intent, write_intent
from club.core.roles import Role
from club.extensions import db as _db
from club.extensions import rate_limiter
from club.ledger import services as ledger
from club.ledger.models import APPEND_ONLY_TRIGGERS, DROP_APPEND_ONLY_TRIGGERS
from club.members.models import Company, MembershipStatus, User
from club.members.services import hash_password

PG_ADMIN_URL = os.environ.get(
    "CLUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI") == "true"
PASSWORD = "correct horse battery"


# --- the order of the tests under xdist ---------------------------------------------------
#
# `make test` runs pytest-xdist with --dist loadgroup. With pytest 9.2, xdist's own
# loadgroup no longer groups (it renames node ids, which pytest 9.2 ignores:
# pytest-dev/pytest-xdist#1386), so the scheduler below does it: each worker writes the
# `xdist_group` of its tests to a file the controller named, and the controller's
# scheduler sends each group to one worker, largest group first, then single tests in the
# workers' order (`slow` ones first).

XDIST_GROUPS = "CLUB_TEST_XDIST_GROUPS"


def pytest_itemcollected(item):
    """Tests on the demo club (the browser tests too) share one xdist worker, which loads
    the demo once per database."""
    if "demo" in item.fixturenames or "demo_sqlite" in item.fixturenames:
        item.add_marker(pytest.mark.xdist_group("demo"))


def pytest_configure(config):
    if not hasattr(config, "workerinput") and config.getoption("numprocesses", None):
        handle, path = tempfile.mkstemp(prefix="club-xdist-groups-", suffix=".json")
        os.close(handle)
        os.environ[XDIST_GROUPS] = config._club_xdist_groups = path  # workers inherit it


def pytest_unconfigure(config):
    path = getattr(config, "_club_xdist_groups", None)
    if path:
        Path(path).unlink(missing_ok=True)


def _default_database(config) -> str:
    """Where tests marked `one_database` run: on PostgreSQL, the production database, when
    it answers (always in CI); on SQLite otherwise, so that nobody loses them."""
    if not hasattr(config, "_club_one_database"):
        config._club_one_database = "postgresql" if IN_CI or _postgres_available() else "sqlite"
    return config._club_one_database


_DATABASE_ORDER = {"postgresql": 0, "sqlite": 1, None: 2}


def _database_of(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database_url") if callspec else None


def _is_fast(item) -> bool:
    return item.get_closest_marker("slow") is None


def _runs_here(config, item) -> bool:
    """A test marked `one_database` runs on one database only: pages (forms, templates,
    access; the services beneath them are tested on both) and checks of Python-only rules
    that need a costly set-up. `one_database("sqlite")` names the database."""
    mark = item.get_closest_marker("one_database")
    if mark is None or item.get_closest_marker("both_databases"):
        return True
    database = _database_of(item)
    wanted = mark.args[0] if mark.args else _default_database(config)
    return database is None or database == wanted


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """`one_database` tests on one database (see `_runs_here`). Then the order: all of
    PostgreSQL's tests, then all of SQLite's, then those without a database. `app` and
    `demo` are built once per database and process (seconds each: the demo plays a year)
    and pytest builds them again each time the order switches database. Within each,
    tests marked `slow` first, so that the run does not end with one worker on one long
    test. In an xdist worker, then, the groups written down for the controller."""
    if any(item.get_closest_marker("one_database") for item in items):
        kept = [item for item in items if _runs_here(config, item)]
        if len(kept) < len(items):
            staying = {id(item) for item in kept}
            config.hook.pytest_deselected(items=[i for i in items if id(i) not in staying])
            items[:] = kept
    items.sort(key=lambda item: (_DATABASE_ORDER[_database_of(item)], _is_fast(item)))
    if not hasattr(config, "workerinput"):
        return
    groups = {}
    for item in items:
        names = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
        if names:
            groups[item.nodeid] = "_".join(names)
    if path := os.environ.get(XDIST_GROUPS):
        written = Path(f"{path}.{config.workerinput['workerid']}")
        written.write_text(json.dumps(groups), encoding="utf-8")
        written.replace(path)  # whole, whichever worker is last: they all collect alike


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """xdist's loadgroup, with the groups the workers wrote down."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):  # a fixed xdist's own suffix
                return nodeid.split("@")[-1]
            if self.groups is None:
                text = Path(os.environ[XDIST_GROUPS]).read_text(encoding="utf-8")
                self.groups = json.loads(text) if text else {}
            return self.groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)


# --- a real SMTP server ----------------------------------------------------------------


class Mailbox:
    """Collects what the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        self.messages.clear()

    def links(self) -> list[str]:
        return [
            link
            for message in self.messages
            for link in re.findall(r"https?://\S+", message.get_content())
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    box, _port = smtp_server
    box.clear()
    return box


# --- databases -----------------------------------------------------------------------


def _postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(
            PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3
        ):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def throwaway_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards. Its name carries the xdist
    worker's (gw0, gw1, ...) and a random part: workers and runs never share one."""
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{prefix}_{worker}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        # A throw-away database need not wait for the disk at each commit: the tests
        # that commit for real (races, the demo) and DDL run faster; nothing else changes.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_postgres_schema(database_url: str, prefix: str) -> Iterator[str]:
    """A new, empty schema in a PostgreSQL database, and the URL of that database that
    sees only that schema (search_path); dropped afterwards. Cheaper than a database of
    its own: PostgreSQL checkpoints the whole server for every DROP DATABASE."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    plain = database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{database_url}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this run (for this worker under xdist)."""
    if not _postgres_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI but did not answer at " + PG_ADMIN_URL)
        pytest.skip("no PostgreSQL server at 127.0.0.1:5432")
    with throwaway_postgres_database("club_test") as url:
        yield url


def make_test_app(database_url: str, smtp_port: int | None, **overrides):
    config = {
        "DATA_FOLDER": tempfile.mkdtemp(prefix="club-data-"),
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "club.test",
        # Cheap hashing: tests are about behaviour, not about argon2's cost.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Boards read afresh: each test's data is rolled back (tests of the cache set it).
        "BOARD_CACHE_SECONDS": 0,
        "CACHE_REDIS_URL": None,
        "MAIL_SERVER": "127.0.0.1" if smtp_port else None,
        "MAIL_PORT": smtp_port or 25,
        # Tests write their privileges and meetings in English.
        "CLUB_LANGUAGE": "en",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'club.sqlite3'}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture(scope="session")
def app(database_url, smtp_server):
    _mailbox, port = smtp_server
    app = make_test_app(database_url, port)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


# --- the demo club, loaded once ----------------------------------------------------------


@dataclass
class Demo:
    """An app whose database `flask club demo` filled, once per database and worker."""

    app: Flask
    result: Result  # what the command returned and printed
    url: str
    loaded_at: datetime  # just after it loaded: "now" for what it played up to then


def _load_demo_into(url: str, smtp_port: int) -> Demo:
    app = make_test_app(url, smtp_port)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.create_all()
    result = app.test_cli_runner().invoke(args=["club", "demo"])
    with app.app_context():
        _db.session.remove()
    return Demo(app, result, url, datetime.now(UTC))


def _dispose(app) -> None:
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory, smtp_server) -> Iterator[Demo]:
    """The demo club on a SQLite file of its own; the browser tests start from a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    demo = _load_demo_into(f"sqlite:///{path}", smtp_server[1])
    yield demo
    _dispose(demo.app)


@pytest.fixture(scope="session")
def demo(database_url, smtp_server, request) -> Iterator[Demo]:
    """The demo club on each database (on PostgreSQL a schema of its own in `app`'s
    database), loaded once: loading it takes seconds. A test using it runs rolled back,
    as on `app`."""
    if database_url.startswith("sqlite"):
        yield request.getfixturevalue("demo_sqlite")
        return
    with throwaway_postgres_schema(database_url, "club_demo") as url:
        demo = _load_demo_into(url, smtp_server[1])
        yield demo
        _dispose(demo.app)


@pytest.fixture
def demo_session(demo):
    """The session on the demo club's database, as `db_session` is on `app`'s."""
    with demo.app.app_context(), write_intent():
        yield _db.session
        _db.session.rollback()


# --- one transaction per test, rolled back ---------------------------------------------
#
# A test that uses `app` (or `demo`) runs inside one transaction on one connection, rolled
# back at its end. Every session opened meanwhile on the app's database (the test's own, the one of
# each request IsolatedClient makes, a CLI command's) joins that connection with a
# SAVEPOINT: its commit releases the savepoint, its rollback goes back to it.
#
# Tests whose work must be seen by other connections (threads racing each other, a live
# server, migrations on a database of their own) say so with `@pytest.mark.real_commits`:
# they commit for real and every table is emptied after them.


class _Outer:
    """The connections, by database, of the test that is running, and its thread."""

    connections: ClassVar[dict[URL, Connection]] = {}
    thread: int | None = None


class _JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session, but on the test's connection to the app's database when
    the test has one (an app of a test's own on another database keeps its own engine)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        connection = _Outer.connections.get(self._db.engine.url) if bind is None else None
        if connection is not None:
            if threading.get_ident() != _Outer.thread:
                raise RuntimeError(
                    "a session in another thread would share the test's rolled-back "
                    "connection: mark the test @pytest.mark.real_commits"
                )
            return connection
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@event.listens_for(_JoinedSession, "after_begin")
def _sample_write_intent(session, transaction, connection) -> None:
    """What BEGIN [IMMEDIATE] records in production, per session transaction: a request
    that declared no write intent (a GET) still cannot write to the ledger on SQLite."""
    if transaction.parent is None and connection in _Outer.connections.values():
        connection.info["club_immediate"] = _write_intent.get()


_db.session.session_factory.class_ = _JoinedSession
_db.session.session_factory.kw["join_transaction_mode"] = "create_savepoint"


@contextmanager
def _rolled_back(app) -> Iterator[None]:
    """One connection and transaction on the app's database, rolled back afterwards."""
    with app.app_context():
        engine = _db.engine
    connection = engine.connect()
    with write_intent():  # the test's connection is the only one: it may hold the lock
        transaction = connection.begin()
    _Outer.connections[engine.url] = connection
    try:
        yield
    finally:
        del _Outer.connections[engine.url]
        transaction.rollback()
        connection.close()
        with app.app_context():
            rate_limiter.reset()
            shared_cache.cache().clear_memory()  # it may remember rolled-back rows


@contextmanager
def rolled_back_part(app) -> Iterator[None]:
    """A part of a test whose writes are rolled back at its end, within the test's own
    rolled-back transaction: what the test built before stays, as it was, for the next
    part (a savepoint on the test's connection)."""
    _db.session.commit()  # the test's own savepoint ends; the next one opens inside ours
    with app.app_context():
        connection = _Outer.connections[_db.engine.url]
    part = connection.begin_nested()
    try:
        yield
    finally:
        _db.session.rollback()
        part.rollback()
        with app.app_context():
            rate_limiter.reset()
            shared_cache.cache().clear_memory()


@contextmanager
def _emptied_afterwards(app) -> Iterator[None]:
    """Real commits; every table emptied afterwards."""
    try:
        yield
    finally:
        with app.app_context():
            _db.session.rollback()
            empty_all_tables()
            rate_limiter.reset()
            shared_cache.cache().clear_memory()  # it may remember rolled-back rows


@pytest.fixture(autouse=True)
def _isolate_database(request):
    """Roll back what a test wrote through `app` or `demo` (or, for a `real_commits` test,
    empty every table of `app`'s database); reset rate limits."""
    with ExitStack() as stack:
        if "app" in request.fixturenames:
            app = request.getfixturevalue("app")
            if request.node.get_closest_marker("real_commits"):
                stack.enter_context(_emptied_afterwards(app))
            else:
                stack.enter_context(_rolled_back(app))
        if "demo" in request.fixturenames:
            stack.enter_context(_rolled_back(request.getfixturevalue("demo").app))
        _Outer.thread = threading.get_ident()
        yield


def empty_all_tables() -> None:
    """Delete every row, the append-only ledger's too (its triggers step aside). On
    PostgreSQL too: DELETE of the few rows a test leaves is several times faster than
    TRUNCATE of every table (ids are not reset: no test may count on them)."""
    dialect = _db.engine.dialect.name
    with _db.engine.begin() as connection:
        for statement in DROP_APPEND_ONLY_TRIGGERS[dialect]:
            connection.exec_driver_sql(statement)
        for table in _db.metadata.sorted_tables:
            if table.name == "company":
                # company and user refer to each other; break the cycle first.
                connection.execute(table.update().values(account_manager_id=None))
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(delete(table))
        for statement in APPEND_ONLY_TRIGGERS[dialect]:
            connection.exec_driver_sql(statement)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def db_session(app_ctx):
    # Tests write like commands do: on SQLite their transactions begin IMMEDIATE.
    with write_intent():
        yield _db.session
        _db.session.rollback()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Flask reuses an app context that a test has pushed (for its factories), which would
    share `g` (the signed-in user, the locale) and the database session between requests.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction around the request, so the request sees what
        # the test wrote and the test then sees what the request wrote (SQLite keeps a
        # read snapshot for the whole transaction).
        test_has_context = _cv_app.get(None) is not None
        if test_has_context:
            _db.session.commit()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if test_has_context:
                _db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories -----------------------------------------------------------------------

# A sequence of valid Polish NIPs: nine digits and a check digit.
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def valid_nip(seed: int) -> str:
    base = seed
    while True:
        digits = f"{base:09d}"[-9:]
        check = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=True)) % 11
        if check != 10 and digits[0] != "0":
            return digits + str(check)
        base += 1


@pytest.fixture
def make_company(db_session):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, *, commit: bool = True, **fields) -> Company:
        number = next(counter)
        fields.setdefault("tax_id", valid_nip(526_000_000 + number * 7919))
        fields.setdefault("country", "PL")
        fields.setdefault("status", MembershipStatus.MEMBER)
        company = Company(name=name or f"Firma {number}", **fields)
        db_session.add(company)
        if commit:
            db_session.commit()
        return company

    return make


def _password_hash() -> str:
    """PASSWORD hashed once per app (argon2, even at the tests' cost, takes milliseconds)."""
    extensions = current_app.extensions
    if "club_test_password_hash" not in extensions:
        extensions["club_test_password_hash"] = hash_password(PASSWORD)
    return extensions["club_test_password_hash"]


@pytest.fixture
def make_user(db_session):
    counter = iter(range(1, 10_000))
    password_hash = _password_hash()

    def make(
        role: Role = Role.PARTNER_STAFF,
        company: Company | None = None,
        *,
        password: str | None = PASSWORD,
        commit: bool = True,
        **fields,
    ) -> User:
        number = next(counter)
        fields.setdefault("email", f"person{number}@example.com")
        fields.setdefault("name", f"Person {number}")
        user = User(
            role=role,
            company=company,
            password_hash=(password_hash if password == PASSWORD else hash_password(password))
            if password
            else None,
            **fields,
        )
        db_session.add(user)
        if commit:
            db_session.commit()
        return user

    return make


@pytest.fixture
def club(db_session, make_company, make_user):
    """A small club: a manager, an account manager, two companies with a holder and staff.
    Committed once, at the end: on PostgreSQL each commit is a few round trips."""

    class Club:
        pass

    c = Club()
    c.club_manager = make_user(Role.CLUB_MANAGER, name="Club Manager", commit=False)
    c.account_manager = make_user(Role.ACCOUNT_MANAGER, name="Account Manager", commit=False)
    c.other_account_manager = make_user(Role.ACCOUNT_MANAGER, name="Other Manager", commit=False)
    db_session.flush()  # the people first, in this order, then their companies
    c.company = make_company(
        "Hurtownia Żak", account_manager=c.account_manager, city="Łódź", commit=False
    )
    c.other_company = make_company(
        "ООО «Другая»", account_manager=c.other_account_manager, commit=False
    )
    db_session.flush()
    c.holder = make_user(Role.ACCOUNT_HOLDER, c.company, name="Holder A", commit=False)
    c.staff = make_user(Role.PARTNER_STAFF, c.company, name="Staff A", commit=False)
    c.other_holder = make_user(Role.ACCOUNT_HOLDER, c.other_company, name="Holder B", commit=False)
    c.other_staff = make_user(Role.PARTNER_STAFF, c.other_company, name="Staff B", commit=False)
    db_session.commit()
    return c


def login(client, user_or_email, password: str = PASSWORD):
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(client):
    def do(user, password: str = PASSWORD):
        response = login(client, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


ROOT = Path(__file__).resolve().parent.parent


# --- the catalogue ---------------------------------------------------------------------

# As stored: each question's label by language (the club language, English in the tests).
BRIEF = [
    {"key": "site", "labels": {"en": "Your web site"}, "type": "url", "required": True},
    {"key": "topic", "labels": {"en": "Topic"}, "type": "text", "required": True},
    {"key": "words", "labels": {"en": "Length in words"}, "type": "number", "required": False},
]


@pytest.fixture
def make_privilege(db_session, club):
    def make(title="Copywriting", points=500, **fields):
        fields.setdefault("category", "marketing")
        fields.setdefault("money_value", Decimal("800.00"))
        fields.setdefault("brief", [])
        privilege = catalog.save_privilege(
            db_session, None, actor=club.club_manager, title=title, points_cost=points, **fields
        )
        db_session.commit()
        return privilege

    return make


@pytest.fixture
def funded(db_session, club):
    """The first company has 2,000 available points."""
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 2000, source=ledger.Source("test", "fund"))
    db_session.commit()
    return wallet
