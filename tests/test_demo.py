"""The demo club loads into an empty database, and every printed login works."""

from __future__ import annotations

from club.demo import DEMO_PASSWORD
from club.extensions import db
from club.members.models import Company, User


def test_demo_loads_once_and_every_login_works(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["club", "demo"])
    assert result.exit_code == 0, result.output
    assert "Password for every demo login: club-demo-2026" in result.output
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
        companies = db.session.scalars(db.select(Company)).all()
        assert len(companies) == 10 and len(users) >= 20
        assert any("Ż" in c.name for c in companies) and any("«" in c.name for c in companies)
        emails = [user.email for user in users]
    for email in emails:
        assert email in result.output
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/").status_code == 200, email
    again = runner.invoke(args=["club", "demo"])
    assert again.exit_code == 0 and "already has users" in again.output
