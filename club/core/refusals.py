"""One way for a page to answer when a service refuses (raises a ClubError).

A view says, before it calls the service, what it answers on a refusal:

    on_refusal(url_for(".privilege", slug=slug))            # flash the message, redirect
    on_refusal(lambda error: _page(form, error.status_code), form=form)  # on the form, re-render

then calls the service and commits, with no `try`. The error handler registered by
`init_app` rolls the transaction back and answers as the view said. A view that said
nothing sends people back where they came from (same site only), else to the home page.
The JSON API has its own handler (club/api), which answers with a JSON error instead.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, make_response, redirect, request, url_for
from flask_wtf import FlaskForm

from club.core.errors import ClubError
from club.core.forms import show_error

Respond = str | Callable[[ClubError], object]


def on_refusal(respond: Respond, *, form: FlaskForm | None = None) -> None:
    """What this request answers if a service raises a ClubError from here on.

    `respond`: a URL to redirect to, or a function of the error that returns the answer.
    `form`: show the message on this form (next to its field) instead of flashing it.
    """
    g.club_refusal = (respond, form)


def _back() -> str:
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc in ("", request.host):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("members.home")


def answer_refusal(error: ClubError):
    # Flask-SQLAlchemy's extension, asked through the app: core imports no extension.
    current_app.extensions["sqlalchemy"].session.rollback()
    respond, form = g.pop("club_refusal", (None, None))
    if form is not None:
        show_error(form, error)
    else:
        flash(error.message, "error")
    if respond is None:
        respond = _back()
    if isinstance(respond, str):
        return redirect(respond)
    return make_response(respond(error))


def init_app(app: Flask) -> None:
    app.register_error_handler(ClubError, answer_refusal)
