"""Every page passes axe-core's WCAG 2 A and AA rules and logs no console error.

One Chromium context per role (the anonymous visitor, the account manager, the club
manager, an account holder and a staff member) walks the demo club from its home page,
following links breadth-first, and loads EACH page it may see: one path per endpoint and
role, so each role's own version of a page (home, meetings, companies, wallet...) is
checked. Endpoints with no argument are visited too, link or not. Each page is checked
where it is, in the viewer's language; axe-core (static/vendor/, version in its README)
is injected by Playwright, outside the page's Content-Security-Policy.

axe runs only on a page with a part whose structure was not checked yet (the top bar,
main, the dialog, the footer: a role's navigation is the same on all its pages): a hash
of the part's DOM without text or ids (tags, classes, roles, ARIA and form attributes,
whether an element holds text; repeated siblings such as table rows counted once), so
the same template seen by two roles, or a list of 3 and of 30 rows, costs one page load,
not another axe run.
Every load still checks the console and that no link or button leads to a silent 403.

The cost is one page load per endpoint and role, and one axe run per page structure (see
the timing printed with -s).
"""

from __future__ import annotations

import re
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

# The structure of each part of the page (the top bar, main, the dialog, the footer: a
# role's navigation is the same on all its pages) without its words: tag, classes and
# the attributes axe looks at, whether the element holds text; children's shapes in
# first-seen order, each once (a table of 3 rows and one of 30 have the same shape).
SHAPE = """() => {
  const kept = ['role', 'type', 'href', 'for', 'alt', 'title', 'tabindex', 'hidden',
    'disabled', 'required', 'scope', 'lang', 'open', 'aria-label', 'aria-labelledby',
    'aria-describedby', 'aria-hidden', 'aria-live', 'aria-current', 'aria-expanded'];
  const shape = (element) => {
    let own = element.localName + '.' + [...element.classList].sort().join('.');
    for (const name of kept) {
      if (!element.hasAttribute(name)) continue;
      own += ' ' + name;
      if (name !== 'href') own += '=' + element.getAttribute(name).replace(/[0-9]+/g, '#');
    }
    if ([...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) own += ' T';
    const children = [];
    for (const child of element.children) {
      const s = shape(child);
      if (!children.includes(s)) children.push(s);
    }
    return own + '(' + children.join(',') + ')';
  };
  const hash = (text) => {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    return h + ':' + text.length;
  };
  const lang = document.documentElement.lang + ' ';
  return [...document.body.children].map((part) => hash(lang + shape(part)));
}"""

# What the page offers: links, forms and htmx requests, as [method, url].
OFFERS = """() => [
  ...[...document.querySelectorAll('a[href]')].map((a) => ['GET', a.href]),
  ...[...document.querySelectorAll('form')].map((f) => [f.method.toUpperCase(), f.action]),
  ...[...document.querySelectorAll('[hx-get]')].map((e) => ['GET', e.getAttribute('hx-get')]),
  ...[...document.querySelectorAll('[hx-post]')].map((e) => ['POST', e.getAttribute('hx-post')]),
].map(([method, url]) => [method, new URL(url, location.href).href])
 .filter(([, url]) => url.startsWith(location.origin))"""


# Paths of one endpoint, among those a role's own pages linked to, it tries before giving
# up (a failed load costs as much as a page).
TRIES = 2


@dataclass
class Walk:
    app: Flask
    adapter: MapAdapter
    checked: dict[str, str] = field(default_factory=dict)  # endpoint -> first path checked
    found: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> paths seen
    problems: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    values: dict[str, list] = field(default_factory=dict)  # argument -> values seen in links
    built: set[str] = field(default_factory=set)
    shapes: set[str] = field(default_factory=set)  # structures of page parts axe checked
    # The role being walked: the endpoints it has done, the paths it tried, and the paths
    # its own pages linked to.
    done: set[str] = field(default_factory=set)
    tried: set[str] = field(default_factory=set)
    mine: dict[str, list[str]] = field(default_factory=dict)
    loads: int = 0
    refused: int = 0
    axe_runs: int = 0
    axe_seconds: float = 0.0

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
        if endpoint and endpoint not in self.done:
            for paths in (self.found.setdefault(endpoint, []), self.mine.setdefault(endpoint, [])):
                if path not in paths:
                    paths.append(path)

    def next_path(self, endpoint: str) -> str | None:
        """The next path to try: those the role's own pages linked to (TRIES of them), else
        one another role found (it may be another company's object: 403 or 404)."""
        own = self.mine.get(endpoint)
        candidates, tries = (own, TRIES) if own else (self.found.get(endpoint, []), 1)
        if sum(path in self.tried for path in candidates) >= tries:
            return None
        return next((path for path in candidates if path not in self.tried), None)

    def run(self, page, role: Role | None) -> None:
        """Check every page found so far that `role` may see, and those its pages link to."""
        self.done, self.tried, self.mine = set(), set(), {}
        self.visit(page, "/", role)
        while True:
            todo = [
                (endpoint, path)
                for endpoint in list(self.found)
                if endpoint not in self.done
                and self.allowed(endpoint, role)
                and (path := self.next_path(endpoint))
            ]
            if not todo and not self.build(role):
                return
            for endpoint, path in todo:
                if endpoint not in self.done:
                    self.visit(page, path, role)

    def build(self, role: Role | None) -> bool:
        """Pages no link led to (a role's button on a page another role checked): their
        URLs from argument values seen in other links. False when nothing new is left."""
        added = False
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint in self.done or "GET" not in rule.methods or not rule.arguments:
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

    def visit(self, page, path: str, role: Role | None) -> None:
        endpoint, path = self.endpoint(path)
        self.tried.add(path)
        errors_before = len(self.console)
        self.loads += 1
        try:
            response = page.goto(path)
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
            self.mark(endpoint, path)  # a file, not a page
            return
        if response is None or not response.ok or response.request.redirected_from:
            # Not this object for this role (Chromium logs the 403/404 it got): another
            # path or role may do.
            del self.console[errors_before:]
            self.refused += 1
            return
        if "text/html" not in (response.headers.get("content-type") or ""):
            self.mark(endpoint, path)
            return
        for link in page.evaluate(LINKS):
            self.note(link)
        for method, url in page.evaluate(OFFERS):
            self.check_offer(path, method, url, role)
        self.mark(endpoint, path)
        # A part the page loads with htmx (hx-trigger="load") is checked once it is in:
        # while its request runs, its buttons are dimmed (busy, not a contrast fault).
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        shapes = set(page.evaluate(SHAPE))
        if shapes <= self.shapes:
            return
        self.shapes |= shapes
        started = time.perf_counter()
        self.axe_runs += 1
        for violation in page.evaluate(RUN_AXE):
            self.problems.append(
                f"{path} ({role}) [{violation['id']}] {violation['help']}: {violation['nodes']}"
            )
        self.axe_seconds += time.perf_counter() - started

    def mark(self, endpoint: str | None, path: str) -> None:
        if endpoint:
            self.done.add(endpoint)
            self.checked.setdefault(endpoint, path)


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


# The club's colours and the tiers' badges (stylesheets the app writes): fetched once for
# the whole walk, not on every page load.
APP_STYLESHEETS = re.compile(r"^https?://[^/]+/(club|tiers)\.css(\?.*)?$")


def _serve_app_stylesheet(route, cache: dict) -> None:
    url = route.request.url
    if url not in cache:
        response = route.fetch()
        cache[url] = (response.body(), response.headers.get("content-type", "text/css"))
    body, content_type = cache[url]
    route.fulfill(body=body, content_type=content_type)


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
    stylesheets: dict = {}
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
        context.route(APP_STYLESHEETS, lambda route: _serve_app_stylesheet(route, stylesheets))
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
        f"\naxe: {len(walk.checked)} endpoints, {walk.loads} loads ({walk.refused} refused),"
        f" {walk.axe_runs} axe runs ({walk.axe_seconds:.1f}s)"
        f" in {time.perf_counter() - started:.1f}s;"
        f" not reached by a link ({len(missed)}): {', '.join(missed)}"
    )
    assert not walk.problems, "axe-core found violations:\n" + "\n".join(walk.problems)
    assert not walk.console, "console errors:\n" + "\n".join(walk.console)
