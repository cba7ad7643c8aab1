"""The app the leaderboard benchmark measures, with one page added: the bare page.

    gunicorn 'boards_app:wsgi_app()'     # CLUB_BENCH_URL names the database

The bare page is the floor for a board page: it renders base.html, signed in (so the
user is loaded, as on every member page), with a static table of as many rows as a board
shows and no query of its own. It exists only here, registered on the app this module
creates; the portal has no such page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
BARE_ROWS = int(os.environ.get("CLUB_BENCH_BARE_ROWS", "55"))  # a board: top 50, you, neighbours

BARE_TEMPLATE = """{% extends "base.html" %}
{% block title %}Bare page{% endblock %}
{% block content %}
<h1>A page of the same layout</h1>
<p class="lead">Static rows, no queries: the floor a board page is compared with.</p>
<nav class="board-tabs"><a href="#">People</a> <a href="#">Companies</a>
<a href="#">Companies by activity</a></nav>
<form class="filters" method="get" action="#"><label>Period <select name="period">
{% for value in options %}<option value="{{ value }}">{{ value }}</option>{% endfor %}
</select></label><button type="submit" class="button">Show</button></form>
<table class="table">
  <thead><tr><th>#</th><th>Name</th><th>Company</th><th>Points</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td><td>{{ row[2] }}</td><td>{{ row[3] }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}
"""


def make_app(url: str, **overrides):
    from flask import Blueprint, render_template

    from club import create_app
    from club.core.access import signed_in

    os.environ["SECRET_KEY"] = SECRET_KEY  # a key of its own: nothing under instance/
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": None,
        "SCHEDULER_IN_PROCESS": False,
        "SERVER_NAME": None,
        # The benchmark signs in once per run; production's argon2 cost is not measured.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
    }
    config.update(overrides)
    app = create_app(config)

    bare = Blueprint("bench_bare", __name__)
    rows = [
        (rank, f"Anna Nowak {rank}", f"Firma {rank} Sp. z o.o.", f"{100_000 - rank * 37:,}")
        for rank in range(1, BARE_ROWS + 1)
    ]

    options = [f"2026-{month:02d}" for month in range(1, 13)] + [
        f"2025-Q{quarter}" for quarter in range(1, 5)
    ] * 2

    template = app.jinja_env.from_string(BARE_TEMPLATE)  # compiled once, like a file's

    @bare.get("/bench/bare")
    @signed_in
    def page():
        return render_template(template, rows=rows, options=options)

    app.register_blueprint(bare)
    return app


def wsgi_app():
    """For gunicorn: the benchmark's app on the database CLUB_BENCH_URL names."""
    return make_app(os.environ["CLUB_BENCH_URL"])
