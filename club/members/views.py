"""The members blueprint with all its pages: signing in and the pages behind one-time
links (sign_in_views), the member home and one's account (account_views), managing
companies and people (manage_views). Importing this module attaches them all."""

from __future__ import annotations

from club.members import account_views, manage_views, sign_in_views  # noqa: F401  (routes)
from club.members.blueprint import bp

__all__ = ["bp"]
