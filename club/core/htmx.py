"""One URL serves the full page or, for htmx, just the fragment that changes."""

from __future__ import annotations

from flask import render_template, request


def wants_fragment() -> bool:
    # A boosted request swaps the whole body, so it needs the whole page.
    return bool(request.htmx) and not request.htmx.boosted


def render_page_or_fragment(page_template: str, fragment_template: str, /, **context) -> str:
    return render_template(fragment_template if wants_fragment() else page_template, **context)
