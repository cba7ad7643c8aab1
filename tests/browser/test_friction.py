"""Friction removed (issue 19), seen in Chromium: the phone's menu, staff proposals in the
account holder's navigation, an irreversible action confirmed in a dialog that names its
consequence, the club manager's to-do list and a list editor swapped by htmx.

Screenshots land in tests/artifacts/ (friction-*.png), in English, Polish and Russian and
at 375 px, for people to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from club.core.roles import Role
from club.extensions import db
from club.members.models import User
from club.members.passwords import hash_password
from tests.browser.conftest import PASSWORD

PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# A holder and a colleague nobody else's browser test signs in as (the sign-in limit).
HOLDER, STAFF = "agnieszka@zrodlo.example", "michal@zrodlo.example"
MANAGER = "friction.manager@club.example"


def _sign_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/login'] button[type=submit]").click()


def _switch_to(page, language: str) -> None:
    with page.expect_navigation():
        page.locator(f".language-switch button[value={language}]").click()


@pytest.mark.parametrize("context_options", [PHONE], ids=["phone"])
def test_phone_menu_proposals_and_a_confirmed_decline(page, browser, live_server, artifacts):
    # A colleague proposes a privilege to the holder, in a browser of their own.
    staff_context = browser.new_context(base_url=live_server, locale="en-US")
    staff = staff_context.new_page()
    _sign_in(staff, STAFF)
    staff.goto("/privileges")
    staff.locator(".privilege-card a").first.click()
    staff.locator("form[action$='/propose'] button[type=submit]").click()
    staff_context.close()

    _sign_in(page, HOLDER)
    toggle = page.locator("label[for=nav-toggle]")
    nav = page.locator("#main-nav")
    # On a phone the navigation is folded: one row of brand, menu and language.
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    expect(toggle.locator(".nav__count")).to_have_text("1")  # seen while folded
    assert page.evaluate("document.querySelector('.topbar').offsetHeight") < 120
    for language in ("en", "pl", "ru"):
        _switch_to(page, language)
        page.locator("label[for=nav-toggle]").click()
        expect(page.locator("#main-nav")).to_be_visible()
        proposals = page.locator("#main-nav a[href='/my-company/wishes']")
        expect(proposals.locator(".nav__count")).to_have_text("1")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{language}: the page is {overflow}px wider than the phone"
        page.screenshot(path=artifacts / f"friction-phone-menu-{language}.png")
    _switch_to(page, "en")

    # Declining asks first in a dialog that says what happens; going back changes nothing.
    page.locator("label[for=nav-toggle]").click()
    page.locator("#main-nav a[href='/my-company/wishes']").click()
    decline = page.locator("form[action*='/decline'] button[type=submit]")
    decline.click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text("Decline this proposal?")
    expect(dialog).to_contain_text("cannot be reopened")
    expect(dialog.locator("[data-confirm-go]")).to_have_text("Decline proposal")
    page.screenshot(path=artifacts / "friction-confirm-dialog-phone.png")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    expect(decline).to_have_count(1)

    decline.click()
    with page.expect_navigation():
        dialog.locator("[data-confirm-go]").click()
    expect(page.locator(".alert--info")).to_contain_text("declined")
    expect(page.locator("form[action*='/decline']")).to_have_count(0)
    expect(page.locator("label[for=nav-toggle] .nav__count")).to_have_count(0)


def test_to_do_list_and_the_speakers_editor(page, browser_app, artifacts):
    with browser_app.app_context():
        if db.session.scalar(db.select(User.id).where(User.email == MANAGER)) is None:
            db.session.add(
                User(
                    email=MANAGER,
                    name="Second Manager",
                    role=Role.CLUB_MANAGER,
                    language="en",
                    password_hash=hash_password(PASSWORD),
                )
            )
            db.session.commit()
        db.session.remove()
    _sign_in(page, MANAGER)

    # The home is a to-do list: each card counts what waits, in every language.
    for card in ("redemptions", "meetings", "imports", "courses", "budgets"):
        expect(page.locator(f"#todo-{card} h2 .todo__count")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#todo-meetings")).to_contain_text("waiting")  # the full evening
    expect(page.locator("#todo-imports")).to_contain_text("2 rows rejected")
    for language in ("pl", "ru", "en"):
        _switch_to(page, language)
        page.screenshot(path=artifacts / f"friction-to-do-{language}.png", full_page=True)

    # Speakers: rows added and removed by htmx, without reloading the page.
    page.goto("/manage/meetings/new")
    page.evaluate("window.__noFullReload = true")
    editor = page.locator("#speakers-editor")
    editor.locator("input[name='speakers-0-name']").fill("Anna Nowak")
    editor.get_by_role("button", name="Add a speaker").click()
    expect(page.locator("#speakers-editor input[name='speakers-1-name']")).to_be_visible()
    page.locator("#speakers-editor input[name='speakers-1-name']").fill("Jan Kowalski")
    page.locator("#speakers-editor button[value='speakers:remove:0']").click()
    expect(page.locator("#speakers-editor input[value='Anna Nowak']")).to_have_count(0)
    expect(page.locator("#speakers-editor input[name='speakers-1-name']")).to_have_value(
        "Jan Kowalski"
    )
    assert page.evaluate("window.__noFullReload") is True
    editor.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "friction-speakers-editor.png")
