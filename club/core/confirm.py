"""Irreversible actions are confirmed first, naming their consequence.

A domain names each such action once with `question(...)`: a title, the consequence
(what will happen, that it cannot be undone) and the verb on the button. Its form gets
`confirm_attributes(key, ...)` (a Jinja global) and its view asks
`confirmation_page(key, back=...)` before calling the service: unless the form carries
`confirmed=1`, the answer is a page that names the consequence and posts the same fields
again with `confirmed=1`. That works without JavaScript. With it, static/js/confirm.js
opens the <dialog> of base.html with the same words and adds `confirmed=1` itself, so the
page is never needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, make_response, render_template, request
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from club.core.htmx import wants_fragment

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Question:
    title: str  # lazy strings; `consequence` may hold %(name)s placeholders
    consequence: str
    action: str

    def words(self, values: dict) -> tuple[str, str, str]:
        consequence = str(self.consequence)
        return str(self.title), consequence % values if values else consequence, str(self.action)


QUESTIONS: dict[str, Question] = {}


def question(key: str, *, title, consequence, action) -> str:
    """Name an irreversible action once (at import, with lazy strings); returns `key`."""
    QUESTIONS[key] = Question(title, consequence, action)
    return key


def is_confirmed() -> bool:
    return request.form.get(CONFIRMED) == "1"


def confirm_attributes(key: str, when: str | None = None, **values) -> Markup:
    """The form's attributes that make static/js/confirm.js ask first; `when`: only for
    the submit button with this value (a form with several actions)."""
    title, consequence, action = QUESTIONS[key].words(values)
    attributes = (
        f' data-confirm="{escape(consequence)}" data-confirm-action="{escape(action)}"'
        f' data-confirm-title="{escape(title)}"'
    )
    if when:
        attributes += f' data-confirm-when="{escape(when)}"'
    return Markup(attributes)  # noqa: S704  (every value escaped above)


def confirmation_page(key: str, *, back: str, **values) -> Response | None:
    """None when the person confirmed; otherwise the page that asks them to.

    `back` is where "Go back" leads; `values` fill the consequence's placeholders.
    """
    if is_confirmed():
        return None
    title, consequence, action = QUESTIONS[key].words(values)
    fields = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in (CONFIRMED, "csrf_token")
    ]
    fragment = wants_fragment()
    page = render_template(
        "core/_confirm.html" if fragment else "core/confirm.html",
        title=title,
        consequence=consequence,
        action=action,
        back=back,
        target=request.path,
        fields=fields,
    )
    response = make_response(page, 200)
    if fragment:
        # An htmx form that skipped the dialog: the question takes the page's place.
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["confirm_attributes"] = confirm_attributes
