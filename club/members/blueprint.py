"""The members blueprint and what its pages share.

Its pages are in sign_in_views, account_views and manage_views; club.members.views
gathers them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, request, url_for

bp = Blueprint("members", __name__)

PAGE_SIZE = 25


def safe_next(target: str | None) -> str:
    """Only redirect to a path on this site after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("members.home")


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)
