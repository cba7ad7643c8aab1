"""The wallet as a member sees it, with a year of demo purchases behind it."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_the_holder_reads_and_filters_the_statement(page, log_in, artifacts):
    log_in("ewa@zlotylew.example")
    page.goto("/wallet")
    expect(page.locator("#balance-available")).to_have_text(re.compile(r"\d"))
    rows = page.locator("#statement tbody tr.entry")
    expect(rows.first).to_be_visible()
    page.screenshot(path=artifacts / "wallet.png", full_page=True)

    # Filtering swaps the statement in place (htmx) and keeps the URL shareable.
    page.select_option("select[name=kind]", "forfeit")
    expect(page).to_have_url(re.compile(r"kind=forfeit"))
    expect(page.locator("#statement tbody tr.entry--forfeit").first).to_be_visible()
    expect(page.locator("#statement tbody tr.entry--confirm")).to_have_count(0)


def test_the_home_page_shows_the_points_card(page, log_in):
    log_in("tomasz@zlotylew.example")
    page.goto("/")
    card = page.locator("#points-card")
    expect(card).to_be_visible()
    card.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/wallet"))
