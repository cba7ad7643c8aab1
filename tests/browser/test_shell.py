"""The shell every page shares, seen in Chromium: signing in, the navigation per role, the
language switch, the companies search over htmx, and screenshots for people to look at.

Every test fails when the browser logs a console error or a Content-Security-Policy
violation (see the `page` fixture in conftest.py).
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# The navigation of each role, in order: (path, English label). From templates/base.html.
NAVIGATION = {
    "manager@club.example": [
        ("/", "Overview"),
        ("/portfolio", "Portfolio"),
        ("/manage/companies", "Companies"),
        ("/manage/users", "Users"),
        ("/manage/privileges", "Catalogue"),
        ("/manage/redemptions", "Queue"),
        ("/manage/learning/", "Courses"),
        ("/manage/meetings", "Meetings"),
        ("/insight/", "Dashboard"),
        ("/leaderboards/", "Leaderboards"),
        ("/awards/", "Best partners"),
        ("/manage/reports", "Reports"),
        ("/manage/invoices/import", "Invoices"),
        ("/manage/relations/import", "Complaints and contracts"),
        ("/manage/bonus-budgets", "Bonus budgets"),
        ("/manage/rules", "Rules"),
        ("/manage/earning-rules", "Earning rules"),
        ("/manage/tiers", "Tiers"),
        ("/manage/admission", "Admission"),
        ("/manage/api-tokens/", "API"),
        ("/manage/webhooks/", "Webhooks"),
        ("/manage/consent", "Club rules and privacy"),
        ("/manage/satisfaction", "Satisfaction"),
        ("/manage/potentials/import", "Purchase potentials"),
        ("/manage/audit/", "Audit log"),
        ("/manage/club", "Club settings"),
        ("/dev/mail", "Mail sent (development)"),
        ("/account", "My account"),
    ],
    # The account manager's home is their portfolio: "/" leads there.
    "am.nowak@club.example": [
        ("/portfolio", "Portfolio"),
        ("/manage/companies", "Companies"),
        ("/manage/learning/", "Courses"),
        ("/meetings", "Meetings"),
        ("/insight/", "Dashboard"),
        ("/manage/satisfaction", "Satisfaction"),
        ("/account", "My account"),
    ],
    "holder@zak.example": [
        ("/", "My club"),
        ("/wallet", "Points"),
        ("/privileges", "Privileges"),
        ("/my-company/redemptions", "Redemptions"),
        ("/learning/", "Courses"),
        ("/meetings", "Meetings"),
        ("/my-company/wishes", "Proposals"),
        ("/my-company/staff", "Our staff"),
        ("/my-company/invoices", "Invoices"),
        ("/leaderboards/", "Leaderboards"),
        ("/referrals", "Invite a company"),
        ("/account", "My account"),
    ],
    "staff@zak.example": [
        ("/", "My club"),
        ("/wallet", "Points"),
        ("/privileges", "Privileges"),
        ("/my-company/redemptions", "Redemptions"),
        ("/learning/", "Courses"),
        ("/meetings", "Meetings"),
        ("/leaderboards/", "Leaderboards"),
        ("/account", "My account"),
    ],
}
ROLE_OF = {
    "manager@club.example": "club_manager",
    "am.nowak@club.example": "account_manager",
    "holder@zak.example": "account_holder",
    "staff@zak.example": "partner_staff",
}

NAV_LINKS = "header nav a"
SIGN_IN_BUTTON = "form[action$='/login'] button[type=submit]"


def _in_language(app, text: str, language: str) -> str:
    """`text` as the app itself translates it into `language`."""
    with app.test_request_context(), force_locale(language):
        return gettext(text)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("#")[0]


# --- signing in and the navigation ----------------------------------------------------


@pytest.mark.parametrize("email", list(NAVIGATION), ids=list(ROLE_OF.values()))
def test_navigation_matches_the_role(page, log_in, browser_app, email):
    log_in(email)

    home = NAVIGATION[email][0][0]
    assert _path(page.url) == home, "signing in lands on the home page"
    expect(page.locator(".whoami")).to_have_attribute("data-role", ROLE_OF[email])

    links = page.locator(NAV_LINKS)
    expected = NAVIGATION[email]
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == [path for path, _label in expected]

    language = page.locator("html").get_attribute("lang")
    expect(links).to_have_text(
        [_in_language(browser_app, label, language) for _path_, label in expected]
    )
    expect(page.locator(f"{NAV_LINKS}[aria-current=page]")).to_have_attribute("href", home)

    # Every page in the navigation opens, and marks itself as the current one.
    for path, _label in expected[1:]:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        expect(page.locator(f"{NAV_LINKS}[aria-current=page]")).to_have_attribute("href", path)


def test_navigation_is_visible_on_a_wide_screen(page, log_in):
    log_in("staff@zak.example")
    links = page.locator(NAV_LINKS)
    expect(links).to_have_count(len(NAVIGATION["staff@zak.example"]))
    for i in range(links.count()):
        expect(links.nth(i)).to_be_visible(timeout=1_000)


def test_wrong_password_shows_an_error_and_stays_on_login(page, page_problems, browser_app):
    # The form comes back with 401, which Chromium reports on the console.
    page_problems.allow_console_error(r"status of 401 .*/login\)$")
    page.goto("/login")
    page.locator("input[name=email]").fill("pawel@ges-syn.example")
    page.locator("input[name=password]").fill("not-the-password")
    with page.expect_navigation() as navigation:
        page.locator(SIGN_IN_BUTTON).click()

    assert navigation.value.status == 401
    assert _path(page.url) == "/login"
    error = page.locator(".card .alert--error[role=alert]")
    expect(error).to_have_text(_in_language(browser_app, "Wrong e-mail or password.", "en"))
    expect(page.locator("input[name=email]")).to_have_value("pawel@ges-syn.example")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.locator(".whoami")).to_have_count(0)


def test_csp_violations_are_caught(page, page_problems):
    """The CSP forbids inline styles, and the `page` fixture notices a violation."""
    page.goto("/login")
    page.evaluate(
        "document.head.append(Object.assign(document.createElement('style'),"
        " {textContent: 'body { color: red }'}))"
    )
    page.wait_for_function("document.readyState === 'complete'")
    page.wait_for_timeout(200)
    assert any(v.startswith("style-src") for v in page_problems.csp_violations), page_problems
    page_problems.csp_violations.clear()
    page_problems.console_errors.clear()


# --- the language switch --------------------------------------------------------------


def test_language_switch_and_its_persistence(page, log_in):
    page.goto("/login")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator(".language-switch button[value=en]")).to_have_attribute(
        "aria-pressed", "true"
    )

    with page.expect_navigation():
        page.get_by_role("button", name="PL", exact=True).click()
    expect(html).to_have_attribute("lang", "pl")
    assert _path(page.url) == "/login", "the switch brings one back to the same page"
    expect(page.locator(".language-switch button[value=pl]")).to_have_attribute(
        "aria-pressed", "true"
    )

    with page.expect_navigation():
        page.get_by_role("button", name="RU", exact=True).click()
    expect(html).to_have_attribute("lang", "ru")

    # Signed in (a user of this test only: the switch saves the language on the user),
    # the choice made on any page survives a reload and other pages.
    log_in("zofia.kaminska@zak.example")
    with page.expect_navigation():
        page.get_by_role("button", name="RU", exact=True).click()
    expect(html).to_have_attribute("lang", "ru")
    page.reload()
    expect(html).to_have_attribute("lang", "ru")
    page.goto("/account")
    expect(html).to_have_attribute("lang", "ru")


def test_language_switch_translates_the_page(page, browser_app):
    page.goto("/login")
    button = page.locator(SIGN_IN_BUTTON)
    expect(button).to_have_text("Sign in")

    for language in ("pl", "ru"):
        with page.expect_navigation():
            page.get_by_role("button", name=language.upper(), exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        translated = _in_language(browser_app, "Sign in", language)
        assert translated != "Sign in", f"'Sign in' has no {language} translation"
        expect(button).to_have_text(translated)


def test_language_chosen_before_signing_in_is_kept(page, log_in):
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("button", name="RU", exact=True).click()
    # Jerzy's saved language is Polish; he chose Russian on the sign-in page.
    log_in("jerzy@ges-syn.example")
    expect(page.locator("html")).to_have_attribute("lang", "ru", timeout=1_000)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "ru", timeout=1_000)


# --- htmx: the companies search -------------------------------------------------------


def test_companies_search_filters_over_htmx(page, log_in):
    log_in("manager@club.example")
    page.goto("/manage/companies")
    rows = page.locator("#company-results tbody tr")
    assert rows.count() > 1
    # A full page load would forget this; an htmx swap keeps it.
    page.evaluate("window.__noFullReload = true")

    search = page.locator("input[name=q]")
    with page.expect_request(
        lambda request: (
            "/manage/companies" in request.url and request.headers.get("hx-request") == "true"
        )
    ) as htmx_request:
        search.press_sequentially("Gęś", delay=30)
    assert "q=G%C4%99%C5%9B" in htmx_request.value.url

    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("Instalatorstwo Gęś i Syn")
    expect(page).to_have_url(re.compile(r"/manage/companies\?.*q=G%C4%99%C5%9B"))
    assert page.evaluate("window.__noFullReload") is True

    # By city, lower-case: Unicode lower() matches "Łódź".
    search.fill("")
    search.press_sequentially("łódź", delay=30)
    expect(page).to_have_url(re.compile(r"q=%C5%82%C3%B3d%C5%BA"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("Instalatorstwo Gęś i Syn")

    search.fill("no such company")
    expect(page).to_have_url(re.compile(r"q=no"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.muted")).to_have_count(1)
    assert page.evaluate("window.__noFullReload") is True


# --- screenshots for people to look at ------------------------------------------------


def test_screenshot_login(page, artifacts):
    page.goto("/login")
    expect(page.locator(SIGN_IN_BUTTON)).to_be_visible()
    page.screenshot(path=artifacts / "login.png", full_page=True)


def test_screenshot_member_home(page, log_in, artifacts):
    log_in("holder@zak.example")
    page.goto("/")
    expect(page.locator("#member-home h1")).to_be_visible()
    page.screenshot(path=artifacts / "member-home.png", full_page=True)


@pytest.mark.parametrize("context_options", [PHONE], ids=["phone"])
def test_screenshot_member_home_phone(page, log_in, artifacts):
    log_in("holder@zak.example")
    page.goto("/")
    expect(page.locator("#member-home h1")).to_be_visible()
    # On a phone the navigation folds into a menu; opened, every link is in reach.
    links = page.locator(NAV_LINKS)
    expect(links.first).to_be_hidden()
    page.locator("label[for=nav-toggle]").click()
    page.locator("#main-nav details summary").click()  # the less frequent pages
    for i in range(links.count()):
        expect(links.nth(i)).to_be_visible()
    page.screenshot(path=artifacts / "member-home-phone.png", full_page=True)

    # Nothing is wider than the screen.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a 390px phone"


def test_screenshot_companies(page, log_in, artifacts):
    log_in("manager@club.example")
    page.goto("/manage/companies")
    expect(page.locator("#company-results tbody tr").first).to_be_visible()
    page.screenshot(path=artifacts / "companies.png", full_page=True)


@pytest.mark.parametrize("context_options", [PHONE], ids=["phone"])
def test_member_home_cards_fit_a_phone(page, log_in):
    log_in("staff@elektrosnab.example")
    expect(page.locator("#member-home .card").first).to_be_visible()
    too_wide = page.evaluate(
        "[...document.querySelectorAll('#member-home .card')]"
        ".filter((card) => card.scrollWidth > card.clientWidth)"
        ".map((card) => `${card.querySelector('h2').textContent}: "
        "${card.scrollWidth}px in ${card.clientWidth}px`)"
    )
    assert too_wide == [], f"cards wider than the phone: {too_wide}"
