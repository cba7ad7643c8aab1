"""Every page passes axe-core's WCAG 2 A and AA rules and logs no console error.

Each role (the anonymous visitor, the account manager, the club manager, an account
holder and a staff member) walks the demo club from its home page, following links
breadth-first, and fetches EACH page it may see: one path per endpoint and role, so each
role's own version of a page (home, meetings, companies, wallet...) is seen. Endpoints
with no argument are fetched too, link or not; endpoints no link leads to are built from
argument values seen in other links, and the objects no page links to (a ticket, a quiz
in progress, an invitation, a webhook...) are seeded from the demo's data (`_seeds`).
Each role is also shown the page of a mistyped address (404, errors/error.html).

The walk fetches in the app (Flask's test client with the cookies, address and user
agent of the role's browser context): cheap. Chromium LOADS a page only when it brings
something not checked yet: a set of templates no loaded page had (the server names them in
a header, `club.core.template_marks`, in the browser tests only), or a block whose
structure no loaded page had. A block is a part of the body (the skip link, the top bar,
the dialog, the footer), or a child of main (the page head, the filters, a table, a
card...; with what the page loads with htmx at once); its structure is its tags, classes,
roles, ARIA and form attributes and whether an element holds text, without words or ids,
repeated siblings (table rows) counted once. So every template is loaded at least once,
and so is each role's variant of it: a role whose version of a page differs (its
navigation, a button only it gets) brings a new block; roles that get the same blocks
(the same "role-class" for that page) share one load.

A loaded page must answer as the fetch did and log no console error (CSP violations
included); axe-core (static/vendor/, version in its README; injected by Playwright,
outside the page's Content-Security-Policy) then runs on the blocks that are new as the
browser built them (htmx parts in), or on the whole document when its head or a part of
its body outside main is new (axe's document rules: title, language, skip link). Every
fetched page, loaded or not, is checked for links and buttons that lead where its viewer
may not go (a silent 403). A file (PDF, ICS, CSV, JSON, images) is not axe's business,
but a file a role's page links to must answer 200 to that role.

Every GET endpoint must be reached by the walk (a page or a file answering 200 to some
role) or be listed in EXCLUDED with its reason: a new page cannot escape the walk.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

from club.core.access import access_of, allows
from club.core.roles import Role
from club.core.template_marks import HEADER as TEMPLATES_HEADER
from tests.browser.conftest import PASSWORD
from tests.conftest import valid_nip

AXE = next((Path(__file__).resolve().parents[2] / "static" / "vendor").glob("axe-core-*.js"))

ROLES = [
    (None, None),
    ("am.nowak@club.example", Role.ACCOUNT_MANAGER),
    ("manager@club.example", Role.CLUB_MANAGER),
    ("holder@zak.example", Role.ACCOUNT_HOLDER),
    ("staff@zak.example", Role.PARTNER_STAFF),
]

# Not the app's pages.
NOT_PAGES = {"static"}

# GET endpoints the walk does not reach, each with its reason. The walk fails when one of
# these is reached after all (the entry is stale) or when a GET endpoint is neither
# reached nor listed here.
EXCLUDED = {
    "branding.logo": "the demo club has no logo (tests/branding/test_views.py serves one)",
    "catalog.image": "the demo's privileges have no picture (tests/catalog/test_pictures.py)",
}

RUN_AXE = """async (context) => {
  const result = await axe.run(context || document, {
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

# The attributes axe looks at, kept in a structure (the other attributes' values and all
# words are left out). The browser's SHAPE and the server HTML's `_Html` keep the same.
KEPT = [
    "role",
    "type",
    "href",
    "for",
    "alt",
    "title",
    "tabindex",
    "hidden",
    "disabled",
    "required",
    "scope",
    "lang",
    "open",
    "aria-label",
    "aria-labelledby",
    "aria-describedby",
    "aria-hidden",
    "aria-live",
    "aria-current",
    "aria-expanded",
    "aria-pressed",
    "checked",
]

# The blocks of a page: the parts of its body (the skip link, the top bar, the dialog,
# the footer: a role's navigation is the same on all its pages) and, in main, each of
# main's children (the page head, the filters, a table, a card...), each with its context
# (main's own tag and classes), and the head. A block's structure has no words: tag,
# classes and the attributes axe looks at, whether an element holds text; children's
# shapes in first-seen order, each once (a table of 3 rows and one of 30 have the same
# shape). `_Html` computes the same from the server's HTML.
BLOCKS = """([kept, known]) => {
  const own = (element) => {
    let text = element.localName + '.' + [...element.classList].sort().join('.');
    for (const name of kept) {
      if (!element.hasAttribute(name)) continue;
      text += ' ' + name;
      if (name !== 'href') text += '=' + element.getAttribute(name).replace(/[0-9]+/g, '#');
    }
    return text;
  };
  const shape = (element) => {
    let text = own(element);
    if ([...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) text += ' T';
    const children = [];
    for (const child of element.children) {
      const s = shape(child);
      if (!children.includes(s)) children.push(s);
    }
    return text + '(' + children.join(',') + ')';
  };
  const hash = (text) => {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    return h + ':' + text.length;
  };
  const blocks = [[null, 'head ' + document.documentElement.lang + ' ' + shape(document.head)]];
  for (const part of document.body.children) {
    if (part.localName !== 'main') {
      blocks.push([part, shape(part)]);
      continue;
    }
    blocks.push([null, own(part) + ' >']);
    for (const block of part.children) blocks.push([block, own(part) + ' > ' + shape(block)]);
  }
  const fresh = [];
  let whole = false;
  for (const [element, text] of blocks) {
    const key = hash(text);
    if (known.includes(key) || fresh.includes(key)) continue;
    fresh.push(key);
    if (element === null || element.parentElement === document.body) whole = true;
    else element.setAttribute('data-walk-new', '');
  }
  return {fresh, whole};
}"""

# Before axe runs: of siblings with the same structure (table rows, list items, a
# select's options), the first two are kept and the others taken out, as they add nothing
# but time (axe's cost grows with the whole document, whatever part it checks: 2 s for an
# audit log of 50 rows). Not where a sibling holds an id (a label's or ARIA reference), nor
# inside a scrolling box (whether it scrolls is for axe to see).
TRIM = """(kept) => {
  const shapes = new Map();
  const shape = (element) => {
    let text = element.localName + '.' + [...element.classList].sort().join('.');
    for (const name of kept) {
      if (!element.hasAttribute(name)) continue;
      text += ' ' + name;
      if (name !== 'href') text += '=' + element.getAttribute(name).replace(/[0-9]+/g, '#');
    }
    if ([...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) text += ' T';
    const children = [];
    for (const child of element.children) {
      const s = shape(child);
      if (!children.includes(s)) children.push(s);
    }
    text += '(' + children.join(',') + ')';
    shapes.set(element, text);
    return text;
  };
  shape(document.body);
  const scrolls = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (/auto|scroll/.test(style.overflowX + style.overflowY)) return true;
    }
    return false;
  };
  let removed = 0;
  for (const parent of document.body.querySelectorAll('*')) {
    if (!parent.isConnected || parent.children.length < 3) continue;
    const seen = new Map();
    const extra = [];
    for (const child of parent.children) {
      const text = shapes.get(child);
      seen.set(text, (seen.get(text) || 0) + 1);
      if (seen.get(text) > 2 && !child.id && !child.querySelector('[id]')) extra.push(child);
    }
    if (extra.length && !scrolls(parent)) {
      for (const child of extra) child.remove();
      removed += extra.length;
    }
  }
  return removed;
}"""

# A page put in the open document as htmx shows a boosted page: its body parsed by the
# document itself (so the page's Content-Security-Policy judges its markup: an inline
# style is refused and logged), at its own address, htmx started on it.
SWAP = """([path, html]) => {
  const page = new DOMParser().parseFromString(html, 'text/html');
  history.replaceState(null, '', path);
  document.title = page.title;
  for (const name of document.body.getAttributeNames()) document.body.removeAttribute(name);
  for (const name of page.body.getAttributeNames()) {
    document.body.setAttribute(name, page.body.getAttribute(name));
  }
  document.body.innerHTML = page.body.innerHTML;
  htmx.process(document.body);
}"""

# What the page offers once its scripts ran (htmx parts included): links, forms and htmx
# requests, as [method, url].
OFFERS = """() => [
  ...[...document.querySelectorAll('a[href]')].map((a) => ['GET', a.href]),
  ...[...document.querySelectorAll('form')].map((f) => [f.method.toUpperCase(), f.action]),
  ...[...document.querySelectorAll('[hx-get]')].map((e) => ['GET', e.getAttribute('hx-get')]),
  ...[...document.querySelectorAll('[hx-post]')].map((e) => ['POST', e.getAttribute('hx-post')]),
].map(([method, url]) => [method, new URL(url, location.href).href])
 .filter(([, url]) => url.startsWith(location.origin))"""

# Paths of one endpoint, among those a role's own pages linked to, it tries before giving
# up; one another role found is tried once.
TRIES = 2

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class _Html(HTMLParser):
    """A page as the server sent it: its parts' structures (as SHAPE, in Python), what it
    links to and what it offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list = ["", False, []]  # [own, holds text, children]
        self.stack: list[tuple[str, list]] = [("", self.root)]
        self.body: list | None = None
        self.head: list | None = None
        self.scripts = 0  # scripts in the body
        self.lang = ""
        self.links: list[str] = []  # GET targets: links, images, htmx GETs
        self.offers: list[tuple[str, str]] = []  # (method, url)
        self.loaded: list[str] = []  # htmx GETs made as the page loads

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._start(tag, attrs, closed=tag in VOID)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs: list, *, closed: bool) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
            self.offers.append(("GET", a["href"]))
        if tag == "img" and a.get("src"):
            self.links.append(a["src"])
        if tag == "form":
            self.offers.append((a.get("method", "get").upper(), a.get("action", "")))
        if "hx-get" in a:
            self.offers.append(("GET", a["hx-get"]))
            if re.search(r"(^|[\s,])load($|[\s,])", a.get("hx-trigger", "")):
                self.loaded.append(a["hx-get"])
        if "hx-post" in a:
            self.offers.append(("POST", a["hx-post"]))
        own = tag + "." + ".".join(sorted(a.get("class", "").split()))
        for name in KEPT:
            if name in a:
                own += " " + name
                if name != "href":
                    own += "=" + re.sub(r"[0-9]+", "#", a[name])
        node = [own, False, []]
        self.stack[-1][1][2].append(node)
        if tag == "body":
            self.body = node
        if tag == "head":
            self.head = node
        if tag == "script" and self.body is not None:
            self.scripts += 1
        if not closed:
            self.stack.append((tag, node))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.stack[-1][1][1] = True

    @staticmethod
    def shape(node: list) -> str:
        children: list[str] = []
        for child in node[2]:
            shape = _Html.shape(child)
            if shape not in children:
                children.append(shape)
        return node[0] + (" T" if node[1] else "") + "(" + ",".join(children) + ")"

    @staticmethod
    def own(node: list) -> str:
        return node[0]

    def head_key(self) -> str:
        return f"head {self.lang} {self.shape(self.head)}" if self.head else ""

    def parts(self) -> set[str]:
        """The page's blocks, as BLOCKS sees them in the browser (the fragment's parts, for
        an htmx answer)."""
        top = self.body if self.body is not None else self.root
        found = {self.head_key()} if self.head else set()
        for part in top[2]:
            if not part[0].startswith("main."):
                found.add(self.shape(part))
                continue
            found.add(f"{part[0]} >")
            found |= {f"{part[0]} > {self.shape(block)}" for block in part[2]}
        return found


@dataclass
class Walk:
    app: Flask
    adapter: MapAdapter
    origin: str
    pages: dict[str, str] = field(default_factory=dict)  # endpoint -> first page fetched
    files: dict[str, str] = field(default_factory=dict)  # endpoint -> first file fetched
    found: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> paths seen
    problems: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    values: dict[str, list] = field(default_factory=dict)  # argument -> values seen in links
    built: set[str] = field(default_factory=set)
    # What Chromium loaded: template sets, server-side part structures, and the parts'
    # structures axe checked (as the browser built them).
    template_sets: set[frozenset] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    shapes: set[str] = field(default_factory=set)
    templates: dict[str, set] = field(default_factory=lambda: defaultdict(set))  # -> roles
    # The role being walked: the endpoints it has done, the paths it tried, the paths its
    # own pages linked to, and those of them that did not answer 200.
    done: set[str] = field(default_factory=set)
    tried: set[str] = field(default_factory=set)
    mine: dict[str, list[str]] = field(default_factory=dict)
    broken: list[tuple[str, str, int]] = field(default_factory=list)
    document_head: str | None = None  # the head of the document the role has open
    fetches: int = 0
    trimmed: int = 0
    swaps: int = 0
    fetch_seconds: float = 0.0
    refused: int = 0
    skipped: int = 0
    loads: int = 0
    axe_runs: int = 0
    axe_seconds: float = 0.0
    load_seconds: float = 0.0
    goto_seconds: float = 0.0

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

    def note(self, url: str, *, own: bool = True) -> None:
        endpoint, path = self.endpoint(url)
        if endpoint and endpoint not in self.done:
            lists = [self.found.setdefault(endpoint, [])]
            if own:
                lists.append(self.mine.setdefault(endpoint, []))
            for paths in lists:
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

    def run(self, client, page, role: Role | None, seeds: list[str]) -> None:
        """Fetch every page found so far that `role` may see, and those its pages link
        to; load in Chromium those that bring something new."""
        self.done, self.tried, self.mine, self.broken = set(), set(), {}, []
        self.document_head = None
        for path in seeds:
            self.note(path)
        self.visit(client, page, "/", role)
        while True:
            todo = [
                (endpoint, path)
                for endpoint in list(self.found)
                if endpoint not in self.done
                and self.allowed(endpoint, role)
                and (path := self.next_path(endpoint))
            ]
            if not todo and not self.build(role):
                break
            for endpoint, path in todo:
                if endpoint not in self.done:
                    self.visit(client, page, path, role)
        self.error_page(page, role)
        # A file the role's own page links to answers it (a page may refuse a path taken
        # from another object; a file link is the download the page offers).
        for endpoint, path, status in self.broken:
            if endpoint in self.files:
                self.problems.append(f"{path} ({endpoint}) answers {status} to {role}")

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

    def fetch(self, client, path: str, **headers) -> tuple[int, str, set[str], str]:
        """The server's answer to the role: status, content type, templates, text."""
        started = time.perf_counter()

        self.fetches += 1
        response = client.get(path, base_url=self.origin, headers=headers)
        try:
            templates = set(response.headers.get(TEMPLATES_HEADER, "").split())
            text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            return response.status_code, response.mimetype, templates, text
        finally:
            response.close()
            self.fetch_seconds += time.perf_counter() - started

    def visit(self, client, page, path: str, role: Role | None) -> None:
        endpoint, path = self.endpoint(path)
        own = path in self.mine.get(endpoint or "", [])
        self.tried.add(path)
        status, mimetype, templates, text = self.fetch(client, path)
        if status != 200:
            # Not this object for this role (another path or role may do), or a redirect.
            self.refused += 1
            if own and endpoint:
                self.broken.append((endpoint, path, status))
            return
        if mimetype != "text/html":
            if endpoint:
                self.done.add(endpoint)
                self.files.setdefault(endpoint, path)
            return
        html = _Html()
        html.feed(text)
        for link in html.links:
            if (url := urljoin(self.origin + path, link)).startswith(self.origin):
                self.note(url)
        for method, url in html.offers:
            if (url := urljoin(self.origin + path, url)).startswith(self.origin):
                self.check_offer(path, method, url, role)
        if endpoint:
            self.done.add(endpoint)
            self.pages.setdefault(endpoint, path)
        parts = html.parts()
        for fragment_url in html.loaded:
            fragment_path = urlsplit(urljoin(self.origin + path, fragment_url))
            _status, _mimetype, fragment_templates, fragment_text = self.fetch(
                client,
                fragment_path.path + (f"?{fragment_path.query}" if fragment_path.query else ""),
                **{"HX-Request": "true"},
            )
            templates |= fragment_templates
            fragment = _Html()
            fragment.feed(fragment_text)
            parts |= fragment.parts()
        if frozenset(templates) in self.template_sets and parts <= self.parts:
            self.skipped += 1
            return  # this role's variant of these templates was loaded (for some role)
        self.template_sets.add(frozenset(templates))
        self.parts |= parts
        for template in templates:
            self.templates[template].add(role)
        self.load(page, path, role, html, text)

    def load(self, page, path: str, role: Role | None, html: _Html, text: str) -> None:
        started = time.perf_counter()
        self.loads += 1
        if html.head_key() == self.document_head and not html.scripts:
            # The document the role has open has the same head (stylesheets, scripts):
            # the page's body is put in it, as htmx shows a boosted page.
            self.swaps += 1
            page.evaluate(SWAP, [path, text])
        else:
            response = page.goto(path)
            if response is None or response.status != 200 or response.request.redirected_from:
                status = response.status if response else None
                self.problems.append(f"{path} ({role}) answered {status} in the browser")
                return
            self.document_head = html.head_key()
        self.goto_seconds += time.perf_counter() - started
        self.check(page, path, role, started)

    def error_page(self, page, role: Role | None) -> None:
        """The page of a mistyped address (errors/error.html), as the role sees it."""
        started = time.perf_counter()
        path = "/walk/no-such-page"
        before = len(self.console)
        response = page.goto(path)
        # Chromium logs the 404 it was answered; nothing else may be logged.
        self.console[before:] = [line for line in self.console[before:] if "404" not in line]
        if response is None or response.status != 404:
            self.problems.append(f"{path} ({role}) answered {response and response.status}")
            return
        self.loads += 1
        self.document_head = None  # the next page is loaded anew
        for template in (response.headers.get(TEMPLATES_HEADER.lower()) or "").split():
            self.templates[template].add(role)
        self.check(page, path, role, started)

    def check(self, page, path: str, role: Role | None, started: float) -> None:
        for method, url in page.evaluate(OFFERS):
            self.check_offer(path, method, url, role)
        # A part the page loads with htmx (hx-trigger="load") is checked once it is in:
        # while its request runs, its buttons are dimmed (busy, not a contrast fault).
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        # The blocks axe has not checked yet, as the browser built them: marked in main, or
        # the whole page when its head, top bar, dialog or footer is new (axe's document
        # rules: title, language, skip link).
        new = page.evaluate(BLOCKS, [KEPT, sorted(self.shapes)])
        self.load_seconds += time.perf_counter() - started
        if not new["fresh"]:
            return
        self.shapes |= set(new["fresh"])
        started = time.perf_counter()
        self.axe_runs += 1
        context = None if new["whole"] else {"include": ["[data-walk-new]"]}
        self.trimmed += page.evaluate(TRIM, KEPT)
        for violation in page.evaluate(RUN_AXE, context):
            self.problems.append(
                f"{path} ({role}) [{violation['id']}] {violation['help']}: {violation['nodes']}"
            )
        self.axe_seconds += time.perf_counter() - started


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page as it is (for other browser tests)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return [f"{page.url} [{v['id']}] {v['help']}: {v['nodes']}" for v in page.evaluate(RUN_AXE)]


# --- the objects no page links to, from the demo's data ----------------------------------


def _links_in_mail(mailbox, to: str) -> list[str]:
    found = []
    for message in mailbox.messages:
        if message["To"] == to:
            body = message.get_body(("plain",)).get_content()
            found += re.findall(r"https?://[^\s<>\"')]+", body)
    return found


def _seeds(app: Flask, mailbox, origin: str) -> dict[Role | None, list[str]]:
    """Paths of objects the walk's people have but no page links to: a ticket, a quiz in
    progress and a passed one, the secret links mail carries (an invitation, a password
    reset, a referral, a calendar feed), a webhook endpoint; written through the services,
    as the people would make them."""
    from flask import url_for

    from club.awards.models import Distinction, MembershipCertificate
    from club.core.database import write_intent
    from club.events import services as events
    from club.events.feeds import new_feed
    from club.events.models import Registration, RegistrationStatus
    from club.extensions import db
    from club.learning import services as learning
    from club.learning.models import Course, CoursePass, Lesson
    from club.members import links
    from club.members.models import User
    from club.rules import referrals
    from club.rules.referrals import Invitation
    from club.webhooks import endpoints as webhooks

    seeds: dict[Role | None, list[str]] = defaultdict(list)
    # The ledger's writes (a passed course earns points) need SQLite's write lock at BEGIN.
    with app.test_request_context(base_url=origin), write_intent():
        session = db.session
        people = {
            email: session.scalar(select(User).where(User.email == email))
            for email, _role in ROLES[1:]
        }
        manager = people["manager@club.example"]
        holder, staff = people["holder@zak.example"], people["staff@zak.example"]
        for person, role in ((holder, Role.ACCOUNT_HOLDER), (staff, Role.PARTNER_STAFF)):
            registration = session.scalar(
                select(Registration).where(
                    Registration.user_id == person.id,
                    Registration.status == RegistrationStatus.REGISTERED,
                )
            )
            for endpoint in ("events.ticket", "events.ticket_file", "events.registration_ics"):
                seeds[role].append(url_for(endpoint, registration_id=registration.id))
            seeds[Role.CLUB_MANAGER].append(
                url_for("events_manage.scan", token=events.ticket_token(registration))
            )
        seeds[None].append(url_for("events.feed", token=new_feed(session, holder)))
        # A quiz in progress (the holder's) and a passed one (the staff member's).
        courses = session.scalars(
            select(Course).where(Course.is_published.is_(True)).order_by(Course.id)
        ).all()
        running = learning.start_attempt(session, holder, courses[0])
        seeds[Role.ACCOUNT_HOLDER] += [
            url_for("learning.attempt", attempt_id=running.id),
            url_for("learning.step", attempt_id=running.id, index=1),
        ]
        passed = learning.start_attempt(session, staff, courses[0])
        answers = {}
        for question_id in passed.question_ids:
            question = passed.quiz_version.question(question_id)
            if question["type"] == "number":
                answers[question_id] = [str(question["answer"])]
            elif question["type"] == "true_false":
                answers[question_id] = ["true" if question["answer"] else "false"]
            else:
                answers[question_id] = [o["id"] for o in question["options"] if o["correct"]]
        learning.submit_attempt(session, passed, answers)
        seeds[Role.PARTNER_STAFF].append(url_for("learning.attempt", attempt_id=passed.id))
        lesson = session.scalars(
            select(Lesson).where(Lesson.attachments != []).order_by(Lesson.id)
        ).first()
        seeds[Role.ACCOUNT_HOLDER].append(
            url_for(
                "learning.attachment",
                slug=lesson.course.slug,
                filename=lesson.attachments[0]["file"],
            )
        )
        for model in (CoursePass, Distinction, MembershipCertificate):
            code = session.scalars(select(model.code).order_by(model.id)).first()
            endpoint = "learning.verify_code" if model is CoursePass else "awards.verify"
            seeds[None].append(url_for(endpoint, code=code))
        # The links mail carries.
        invitee = links.invite(
            session,
            email="walk.invitee@zak.example",
            name="Walk Invitee",
            role=Role.PARTNER_STAFF,
            company=holder.company,
            language="en",
            actor=manager,
        )
        links.request_password_reset(session, email=staff.email, ip="127.0.0.1")
        referrals.invite(
            session,
            holder.company,
            Invitation(
                name="Walk Elektro sp. z o.o.",
                country="PL",
                tax_id=valid_nip(731_000_500),
                contact_name="Ewa Walk",
                contact_email="ewa@walk.example",
            ),
            by=holder,
        )
        seeds[Role.CLUB_MANAGER] += [
            url_for("privacy.erase_form", user_id=invitee.id),
            url_for("privacy.person_json", user_id=invitee.id),
        ]
        previous = app.config.get("WEBHOOK_ALLOW_PRIVATE")
        app.config["WEBHOOK_ALLOW_PRIVATE"] = True
        try:
            endpoint, _secret = webhooks.register(
                session,
                url="https://127.0.0.1/walk",
                event_types=[next(iter(webhooks.EVENT_TYPES))],
                actor=manager,
            )
        finally:
            app.config["WEBHOOK_ALLOW_PRIVATE"] = previous
        seeds[Role.CLUB_MANAGER].append(url_for("webhooks.endpoint", endpoint_id=endpoint.id))
        session.commit()
        for to in ("walk.invitee@zak.example", staff.email, "ewa@walk.example"):
            seeds[None] += [url for url in _links_in_mail(mailbox, to) if url.startswith(origin)]
    return seeds


@pytest.mark.slow
def test_every_page_passes_axe_and_logs_no_error(browser, live_server, browser_app, mailbox):
    started = time.perf_counter()
    walk = Walk(browser_app, browser_app.url_map.bind("127.0.0.1"), live_server)
    seeds = _seeds(browser_app, mailbox, live_server)
    pages = set()
    for rule in browser_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        if rule.endpoint.startswith("api."):
            continue
        pages.add(rule.endpoint)
        if not rule.arguments:
            walk.note(rule.rule, own=False)
    for email, role in ROLES:
        # No request routing in this context: routing would switch Chromium's cache off,
        # and the static files and stylesheets (cached by the browser tests' app) would
        # be asked for on every page.
        context = browser.new_context(base_url=live_server, locale="en-US")
        context.add_init_script(path=str(AXE))
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
        # The walk fetches as this browser: its cookies, address and user agent.
        client = browser_app.test_client()
        client.environ_base.update(
            REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT=page.evaluate("navigator.userAgent")
        )
        for cookie in context.cookies():
            client.set_cookie(cookie["name"], cookie["value"], domain=cookie["domain"])
        walk.run(client, page, role, seeds.get(role, []))
        context.close()

    reached = set(walk.pages) | set(walk.files)
    missed = sorted(pages - reached - set(EXCLUDED))
    # For the record: page templates no shown page used (answers to a POST or an htmx
    # request, error pages), which this walk of GET pages does not judge.
    folder = Path(browser_app.template_folder)
    unshown = sorted(
        name
        for path in folder.rglob("*.html")
        if (name := path.relative_to(folder).as_posix()) not in walk.templates
    )
    print(
        f"\naxe: {len(walk.pages)} pages and {len(walk.files)} files, {walk.fetches} fetches"
        f" ({walk.refused} refused, {walk.fetch_seconds:.1f}s), {walk.skipped} not loaded,"
        f" {walk.loads} loads ({walk.swaps} into an open document; {walk.load_seconds:.1f}s,"
        f" goto {walk.goto_seconds:.1f}s),"
        f" {walk.axe_runs} axe runs ({walk.axe_seconds:.1f}s, {walk.trimmed} repeats left out)"
        f" in {time.perf_counter() - started:.1f}s;"
        f" not reached ({len(missed)}): {', '.join(missed)};"
        f" templates not shown ({len(unshown)}): {', '.join(unshown)}"
    )
    assert not walk.problems, "axe-core found violations:\n" + "\n".join(walk.problems)
    assert not walk.console, "console errors:\n" + "\n".join(walk.console)
    assert not missed, (
        f"GET endpoints the walk did not reach: {missed}. Link them, seed them in _seeds, "
        "or list them in EXCLUDED with the reason."
    )
    stale = sorted(set(EXCLUDED) & reached) + sorted(set(EXCLUDED) - pages)
    assert not stale, f"EXCLUDED lists endpoints the walk reaches or that do not exist: {stale}"
