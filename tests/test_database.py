"""How a request's transaction ends: a request that wrote nothing keeps the connection's
prepared statements on PostgreSQL (COMMIT, not ROLLBACK), and nothing a request wrote
without committing is ever kept."""

from __future__ import annotations

import pytest
from flask import Blueprint, abort
from sqlalchemy import event, select, text

from club.core.access import public
from club.extensions import db
from club.members.models import Company
from tests.conftest import IsolatedClient, make_test_app


@pytest.fixture
def probe_app(app, database_url):
    """The portal with three pages of its own: one that reads, one that writes and then
    fails, one that changes an object and never saves it."""
    probe = make_test_app(database_url, None)
    probe.test_client_class = IsolatedClient  # the test's own transaction steps aside
    pages = Blueprint("probe", __name__)

    @pages.get("/probe/read/<int:company_id>")
    @public
    def read(company_id):
        return db.session.scalar(select(Company.name).where(Company.id == company_id)) or ""

    @pages.get("/probe/write-then-fail/<int:company_id>")
    @public
    def write_then_fail(company_id):
        db.session.get(Company, company_id).name = "Written, then failed"
        db.session.flush()  # the UPDATE reaches the database
        abort(500)

    @pages.get("/probe/change-unsaved/<int:company_id>")
    @public
    def change_unsaved(company_id):
        db.session.get(Company, company_id).name = "Changed, never saved"
        return "ok"

    probe.register_blueprint(pages)
    yield probe
    with probe.app_context():
        db.session.remove()
        db.engine.dispose()


def test_what_a_request_did_not_commit_is_not_kept(probe_app, make_company, db_session):
    company = make_company("Hurtownia Kowalski")
    db_session.commit()
    client = probe_app.test_client()

    assert client.get(f"/probe/write-then-fail/{company.id}").status_code == 500
    assert client.get(f"/probe/change-unsaved/{company.id}").status_code == 200
    assert client.get(f"/probe/read/{company.id}").data == b"Hurtownia Kowalski"

    db_session.expire_all()
    assert company.name == "Hurtownia Kowalski"


def test_a_reading_request_keeps_prepared_statements_on_postgresql(
    probe_app, make_company, db_session
):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("prepared statements and their loss at ROLLBACK are psycopg's")
    company = make_company("Hurtownia Kowalski")
    db_session.commit()
    with probe_app.app_context():
        engine = db.engine
    ended = []
    event.listen(engine, "commit", lambda conn: ended.append("commit"))
    event.listen(engine, "rollback", lambda conn: ended.append("rollback"))
    client = probe_app.test_client()

    for _ in range(8):  # psycopg prepares a statement at its sixth run
        assert client.get(f"/probe/read/{company.id}").status_code == 200
    assert set(ended) == {"commit"}
    with probe_app.app_context():  # the one connection the requests used, from the pool
        prepared = db.session.scalars(
            text("SELECT statement FROM pg_prepared_statements WHERE statement LIKE :sql"),
            {"sql": "%FROM company%"},
        ).all()
        assert prepared
        db.session.rollback()

    ended.clear()
    assert client.get(f"/probe/write-then-fail/{company.id}").status_code == 500
    assert "commit" not in ended
    db_session.expire_all()
    assert company.name == "Hurtownia Kowalski"
