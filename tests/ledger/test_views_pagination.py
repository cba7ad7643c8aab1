"""The statement in pages: links to the next page keep the company and the filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from club.ledger import services as ledger
from club.ledger import views
from tests.conftest import login

T0 = datetime(2026, 10, 5, 12, tzinfo=UTC)
# Pages of 6 rather than 50: the paging is the same, and each entry is a post.
PAGE_SIZE = 6
COUNT = PAGE_SIZE + 5


@pytest.fixture(autouse=True)
def _short_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", PAGE_SIZE)


@pytest.fixture
def long_wallet(db_session, club):
    """More corrections than one page holds, each with its own reason."""
    wallet = ledger.wallet_for(db_session, club.company.id)
    for number in range(COUNT):
        ledger.adjust(
            db_session,
            wallet,
            1,
            reason=f"Goodwill number {number:03d}",
            actor=club.club_manager,
            now=T0 + timedelta(minutes=number),
        )
    db_session.commit()
    return wallet


def _reasons(body: str) -> set[str]:
    return set(re.findall(r"Goodwill number \d{3}", body))


def _next_link(body: str) -> str:
    links = re.findall(r'<a href="([^"]+)"[^>]*>Next', body)
    assert len(links) == 1, body[-2000:]
    return links[0].replace("&amp;", "&")


@pytest.mark.parametrize("who", ["club_manager", "account_manager"])
def test_a_managers_wallet_page_links_to_its_next_page(client, club, long_wallet, who):
    login(client, getattr(club, who))
    url = f"/manage/companies/{club.company.id}/wallet"
    first = client.get(url)
    assert first.status_code == 200
    first_body = first.get_data(as_text=True)
    assert len(_reasons(first_body)) == PAGE_SIZE
    following = _next_link(first_body)
    assert following.startswith(f"{url}?") and "page=2" in following
    second = client.get(following)
    assert second.status_code == 200
    second_body = second.get_data(as_text=True)
    assert len(_reasons(second_body)) == COUNT - PAGE_SIZE
    assert _reasons(first_body) | _reasons(second_body) == {
        f"Goodwill number {number:03d}" for number in range(COUNT)
    }
    assert "Page 2 of 2" in second_body


def test_htmx_pages_keep_the_company_and_the_filter(client, club, long_wallet):
    login(client, club.club_manager)
    url = f"/manage/companies/{club.company.id}/wallet?kind=adjust"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    following = _next_link(fragment.get_data(as_text=True))
    assert f"/manage/companies/{club.company.id}/wallet?" in following
    assert "kind=adjust" in following and "page=2" in following
    second = client.get(following, headers={"HX-Request": "true"})
    assert second.status_code == 200
    assert len(_reasons(second.get_data(as_text=True))) == COUNT - PAGE_SIZE


def test_a_refused_correction_on_a_long_wallet_shows_the_form_again(client, club, long_wallet):
    """The page drawn after a POST to /adjust links to the wallet page, not to /adjust."""
    login(client, club.club_manager)
    refused = client.post(
        f"/manage/companies/{club.company.id}/wallet/adjust", data={"points": "5", "reason": ""}
    )
    assert refused.status_code == 422
    following = _next_link(refused.get_data(as_text=True))
    assert following.startswith(f"/manage/companies/{club.company.id}/wallet?")
    assert client.get(following).status_code == 200


def test_the_holders_own_wallet_pages_too(client, club, long_wallet):
    login(client, club.holder)
    first_body = client.get("/wallet").get_data(as_text=True)
    following = _next_link(first_body)
    assert following.startswith("/wallet?")
    second = client.get(following)
    assert second.status_code == 200
    assert len(_reasons(second.get_data(as_text=True))) == COUNT - PAGE_SIZE


def test_a_page_number_beyond_64_bits_shows_an_empty_page(client, club, long_wallet):
    login(client, club.club_manager)
    response = client.get(f"/manage/companies/{club.company.id}/wallet?page={10**20}")
    assert response.status_code == 200
    assert not _reasons(response.get_data(as_text=True))
