"""Every page passes axe-core's WCAG 2 A and AA rules and logs no console error.

One Chromium context per role walks the demo club from its home page, following links
breadth-first, and checks ONE page per endpoint (the first role that reaches it: the
anonymous visitor, then the club manager, the account manager, an account holder and a
staff member). Endpoints with no argument are visited too, link or not. Each page is
checked where it is, in the viewer's language; axe-core (static/vendor/, version in its
README) is injected by Playwright, outside the page's Content-Security-Policy.

The cost is one page load and one axe run per endpoint (see the timing printed with -s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

from club.core.access import access_of, allows
from club.core.roles import Role
from tests.browser.conftest import PASSWORD

AXE = next((Path(__file__).resolve().parents[2] / "static" / "vendor").glob("axe-core-*.js"))

ROLES = [
    (None, None),
    ("am.nowak@club.example", Role.ACCOUNT_MANAGER),
    ("manager@club.example", Role.CLUB_MANAGER),
    ("holder@zak.example", Role.ACCOUNT_HOLDER),
    ("staff@zak.example", Role.PARTNER_STAFF),
]

# Not pages, or leaving them would end the walk.
NOT_PAGES = {"static", "members.logout"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
    rules: {'heading-order': {enabled: true}},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary),
  }));
}"""

LINKS = """() => [...document.querySelectorAll('a[href]:not([download])')]
  .map((a) => a.href).filter((href) => href.startsWith(location.origin))"""

# What the page offers: links, forms and htmx requests, as [method, url].
OFFERS = """() => [
  ...[...document.querySelectorAll('a[href]')].map((a) => ['GET', a.href]),
  ...[...document.querySelectorAll('form')].map((f) => [f.method.toUpperCase(), f.action]),
  ...[...document.querySelectorAll('[hx-get]')].map((e) => ['GET', e.getAttribute('hx-get')]),
  ...[...document.querySelectorAll('[hx-post]')].map((e) => ['POST', e.getAttribute('hx-post')]),
].map(([method, url]) => [method, new URL(url, location.href).href])
 .filter(([, url]) => url.startsWith(location.origin))"""


@dataclass
class Walk:
    app: Flask
    adapter: MapAdapter
    checked: dict[str, str] = field(default_factory=dict)  # endpoint -> the path checked
    found: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> paths seen
    problems: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    values: dict[str, list] = field(default_factory=dict)  # argument -> values seen in links
    built: set[str] = field(default_factory=set)

    def endpoint(self, url: str) -> tuple[str | None, str]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            endpoint, args = self.adapter.match(parts.path, method="GET")
        except HTTPException:
            return None, path
        for name, value in args.items():
            seen = self.values.setdefault(name, [])
            if value not in seen and len(seen) < 3:
                seen.append(value)
        if endpoint in NOT_PAGES or endpoint.startswith("api."):
            return None, path
        return endpoint, path

    def allowed(self, endpoint: str, role: Role | None) -> bool:
        access = access_of(self.app.view_functions[endpoint])
        return allows(access, SimpleNamespace(is_authenticated=role is not None, role=role))

    def check_offer(self, path: str, method: str, url: str, role: Role | None) -> None:
        """A link or button on the page leads where the viewer may go (no silent 403)."""
        try:
            endpoint, _args = self.adapter.match(urlsplit(url).path, method=method)
        except HTTPException:
            return
        if endpoint not in NOT_PAGES and not self.allowed(endpoint, role):
            self.problems.append(f"{path} offers {method} {url} ({endpoint}) to {role}")

    def note(self, url: str) -> None:
        endpoint, path = self.endpoint(url)
        if endpoint and endpoint not in self.checked:
            paths = self.found.setdefault(endpoint, [])
            if path not in paths:
                paths.append(path)

    def run(self, page, role: Role | None) -> None:
        """Check every page found so far that `role` may see, and those its pages link to."""
        self.visit(page, "/", role, always=True)
        while True:
            todo = [
                (endpoint, paths)
                for endpoint, paths in self.found.items()
                if endpoint not in self.checked and paths and self.allowed(endpoint, role)
            ]
            if not todo and not self.build(role):
                return
            for _endpoint, paths in todo:
                self.visit(page, paths.pop(0), role)

    def build(self, role: Role | None) -> bool:
        """Pages no link led to (a role's button on a page another role checked): their
        URLs from argument values seen in other links. False when nothing new is left."""
        added = False
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint in self.checked or "GET" not in rule.methods or not rule.arguments:
                continue
            if not self.allowed(rule.endpoint, role) or rule.endpoint.startswith("api."):
                continue
            if not all(self.values.get(name) for name in rule.arguments):
                continue
            for index in range(3):
                values = {
                    name: self.values[name][min(index, len(self.values[name]) - 1)]
                    for name in rule.arguments
                }
                try:
                    path = rule.build(values, append_unknown=False)[1]
                except (TypeError, ValueError):
                    continue
                if path not in self.built:
                    self.built.add(path)
                    self.found.setdefault(rule.endpoint, []).append(path)
                    added = True
        return added

    def visit(self, page, path: str, role: Role | None, always: bool = False) -> None:
        endpoint, path = self.endpoint(path)
        errors_before = len(self.console)
        try:
            response = page.goto(path)
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
            self.checked[endpoint] = path  # a file, not a page
            return
        if response is None or not response.ok or response.request.redirected_from:
            # Not this object for this role (Chromium logs the 403/404 it got): another
            # path or role may do.
            del self.console[errors_before:]
            return
        if "text/html" not in (response.headers.get("content-type") or ""):
            self.checked[endpoint] = path
            return
        for link in page.evaluate(LINKS):
            self.note(link)
        for method, url in page.evaluate(OFFERS):
            self.check_offer(path, method, url, role)
        if endpoint in self.checked and always:
            return
        self.checked[endpoint] = path
        for violation in page.evaluate(RUN_AXE):
            self.problems.append(
                f"{path} [{violation['id']}] {violation['help']}: {violation['nodes']}"
            )


STATIC = AXE.parents[1]
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


def _serve_static(route) -> None:
    relative = urlsplit(route.request.url).path.removeprefix("/static/")
    file = (STATIC / relative).resolve()
    if STATIC not in file.parents or not file.is_file():
        route.continue_()
        return
    route.fulfill(
        body=file.read_bytes(), content_type=TYPES.get(file.suffix, "application/octet-stream")
    )


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page as it is (for other browser tests)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return [f"{page.url} [{v['id']}] {v['help']}: {v['nodes']}" for v in page.evaluate(RUN_AXE)]


@pytest.mark.slow
def test_every_page_passes_axe_and_logs_no_error(browser, live_server, browser_app):
    started = time.perf_counter()
    walk = Walk(browser_app, browser_app.url_map.bind("127.0.0.1"))
    pages = set()
    for rule in browser_app.url_map.iter_rules():
        endpoint, _ = walk.endpoint(rule.rule) if not rule.arguments else (None, "")
        if endpoint and "GET" in rule.methods:
            walk.note(rule.rule)
        if "GET" in rule.methods and (
            rule.endpoint not in NOT_PAGES and not rule.endpoint.startswith("api.")
        ):
            pages.add(rule.endpoint)
    for email, role in ROLES:
        context = browser.new_context(base_url=live_server, locale="en-US")
        context.add_init_script(path=str(AXE))
        # Chromium asks for /favicon.ico when it shows a file that is not a page.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        # Static files straight from the disk: each page would otherwise revalidate them
        # with the server (a request through the app each), the walk's largest cost after
        # axe itself.
        context.route("**/static/**", _serve_static)
        page = context.new_page()
        page.on(
            "console",
            lambda message, page=page: (
                walk.console.append(f"{message.text} ({page.url})")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: walk.console.append(str(error)))
        if email:
            page.goto("/login")
            page.locator("input[name=email]").fill(email)
            page.locator("input[name=password]").fill(PASSWORD)
            with page.expect_navigation():
                page.locator("form[action$='/login'] button[type=submit]").click()
        walk.run(page, role)
        context.close()

    missed = sorted(pages - set(walk.checked))
    print(
        f"\naxe: {len(walk.checked)} pages in {time.perf_counter() - started:.1f}s;"
        f" not reached by a link ({len(missed)}): {', '.join(missed)}"
    )
    assert not walk.problems, "axe-core found violations:\n" + "\n".join(walk.problems)
    assert not walk.console, "console errors:\n" + "\n".join(walk.console)
