"""The templates a response was made from, named in a header for the accessibility walk
(club.core.template_marks): on only where configured, never in production."""

from __future__ import annotations

import pytest
from flask import Flask, render_template
from jinja2 import DictLoader

from club.core import template_marks

TEMPLATES = {
    "base.html": "<main>{% block content %}{% endblock %}</main>",
    "page.html": (
        '{% extends "base.html" %}{% from "_macros.html" import badge %}'
        '{% block content %}{{ badge() }}{% include ["_missing.html", "_part.html"] %}'
        "{% endblock %}"
    ),
    "_macros.html": "{% macro badge() %}<span>b</span>{% endmacro %}",
    "_part.html": "<p>part</p>",
}


def _app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    app.jinja_loader = DictLoader(TEMPLATES)
    app.add_url_rule("/page", "page", lambda: render_template("page.html"))
    app.add_url_rule("/plain", "plain", lambda: "no template")
    template_marks.init_app(app)
    return app


def test_every_template_of_the_page_is_named_extended_imported_and_included():
    client = _app(TEMPLATE_MARKS=True).test_client()
    response = client.get("/page")
    assert response.headers[template_marks.HEADER] == "_macros.html _part.html base.html page.html"
    # Each request names its own: none here.
    assert template_marks.HEADER not in client.get("/plain").headers


def test_no_header_unless_configured_and_refused_in_production():
    assert template_marks.HEADER not in _app().test_client().get("/page").headers
    with pytest.raises(RuntimeError, match="not for production"):
        _app(TEMPLATE_MARKS=True, CLUB_ENV="production")
