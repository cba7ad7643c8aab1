"""The whole path: an account holder redeems a privilege, answers its brief, and watches
it move to fulfilled while the club manager works it; points held, then spent."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _available(page) -> int:
    page.goto("/wallet")
    return int(re.sub(r"\D", "", page.locator("#balance-available").inner_text()))


def test_redeem_then_fulfil(browser, page, page_problems, log_in, live_server, artifacts):
    # The form with a missing answer comes back with 422, which Chromium logs.
    page_problems.allow_console_error(r"status of 422 .*/redeem\)$")
    log_in("holder@zak.example")
    before = _available(page)
    page.goto("/privileges")
    # The holder reads in Polish: the privilege by its address, whatever its title says.
    page.locator('#privilege-list a[href$="/copywriting-for-your-web-site"]').click()
    expect(page.locator("#points-cost")).to_have_text("900")
    expect(page.locator("main h1")).to_have_text("Teksty na Twoją stronę internetową")
    page.screenshot(path=artifacts / "privilege.png", full_page=True)

    # A missing answer comes back on the form; nothing is redeemed.
    page.locator("#redeem-form button[type=submit]").click()
    expect(page.locator(".field__error").first).to_be_visible()
    page.locator("input[name=q_site]").fill("https://zak.example")
    page.locator("input[name=q_topic]").fill("LED panels for offices")
    page.locator("#redeem-form button[type=submit]").click()
    expect(page.locator("#redemption-status")).to_have_attribute("data-status", "requested")
    redemption_url = page.url
    assert _available(page) == before - 900
    page.goto("/wallet")
    expect(page.locator("#balance-held")).not_to_have_text("0")

    # The club manager works the queue in another browser.
    manager_context = browser.new_context(base_url=live_server, locale="en-US")
    manager = manager_context.new_page()
    manager.goto("/login")
    manager.locator("input[name=email]").fill("manager@club.example")
    manager.locator("input[name=password]").fill("club-demo-2026")
    with manager.expect_navigation():
        manager.locator("form[action$='/login'] button[type=submit]").click()
    manager.goto(redemption_url)
    # The manager reads Polish: steps are found by what they do, not by their label.
    for step in ("approved", "in_progress", "fulfilled"):
        manager.locator(f"button[name=to][value={step}]").click()
        expect(manager.locator("#redemption-status")).to_have_attribute("data-status", step)
    manager.screenshot(path=artifacts / "redemption-fulfilled.png", full_page=True)
    manager_context.close()

    page.goto(redemption_url)
    expect(page.locator("#redemption-status")).to_have_attribute("data-status", "fulfilled")
    expect(page.locator(".timeline li")).to_have_count(4)
    assert _available(page) == before - 900
    expect(page.locator("#balance-held")).to_have_text(re.compile(r"^\d+$"))
