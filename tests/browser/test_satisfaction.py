"""The satisfaction card on the demo's first holder's home: answered in place (htmx)."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_holder_answers_the_question_on_the_home_page(page, log_in, artifacts):
    log_in("holder@zak.example")
    page.goto("/")
    card = page.locator("#satisfaction-card")
    expect(card).to_be_visible()
    card.locator("label.nps-scale__option", has_text="10").click()
    card.locator("textarea[name=comment]").fill("Quick and friendly.")
    page.screenshot(path=artifacts / "satisfaction-card.png", full_page=False)
    url = page.url
    card.locator("button.button--primary").click()
    expect(card.locator("form")).to_have_count(0)  # the thank-you, in the holder's Polish
    expect(card).to_contain_text("Dziękujemy")
    assert page.url == url  # swapped in place, no reload
    page.reload()
    expect(page.locator("#satisfaction-card")).to_have_count(0)
