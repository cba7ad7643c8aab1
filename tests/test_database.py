"""How a request's transaction ends: nothing a request wrote without committing is ever
kept, whether it failed after writing or changed an object and never saved it."""

from __future__ import annotations

import pytest
from flask import Blueprint, abort
from sqlalchemy import select

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
