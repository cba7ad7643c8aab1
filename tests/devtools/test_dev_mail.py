"""Development: the port, mail printed to the console and kept on /dev/mail (only there)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from club.config import ConfigError, load_config
from club.core.mail import Mail, deliver, kept_mails
from tests.conftest import make_test_app

pytestmark = pytest.mark.one_database


def test_port_sets_where_job_links_point_unless_base_url_says(tmp_path):
    assert load_config(tmp_path, {})["BASE_URL"] == "http://127.0.0.1:5000"
    assert load_config(tmp_path, {"PORT": "5123"})["BASE_URL"] == "http://127.0.0.1:5123"
    configured = load_config(tmp_path, {"PORT": "5123", "BASE_URL": "https://club.example"})
    assert configured["BASE_URL"] == "https://club.example"
    with pytest.raises(ConfigError, match="PORT"):
        load_config(tmp_path, {"PORT": "http"})


def test_each_mail_is_printed_and_kept_for_the_manager(app, client, club, login_as, capsys):
    with app.app_context():
        deliver(
            Mail(
                to="new@zak.example",
                subject="You are invited",
                body="Set your password: http://club.test/invitation/abc123.\nBye\n",
            )
        )
        assert kept_mails()[0].links == ["http://club.test/invitation/abc123"]
    printed = capsys.readouterr().err
    assert "mail to: new@zak.example" in printed
    assert "subject: You are invited" in printed
    assert "link: http://club.test/invitation/abc123" in printed

    login_as(club.club_manager)
    page = client.get("/dev/mail").get_data(as_text=True)
    assert "You are invited" in page
    assert 'href="http://club.test/invitation/abc123"' in page


def test_the_mail_page_does_not_exist_in_production(tmp_path):
    production_env = {
        "CLUB_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "VOUCHER_KEY": Fernet.generate_key().decode(),
    }
    assert load_config(tmp_path, production_env)["DEV_MAIL"] is False
    production = make_test_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", None, DEV_MAIL=False)
    assert "devtools.mail" not in {rule.endpoint for rule in production.url_map.iter_rules()}
    assert production.test_client().get("/dev/mail").status_code == 404
