"""The members blueprint with all its pages: signing in and the pages behind one-time
links (sign_in_views), the member home and one's account (account_views), managing
companies and people (manage_views). Importing this module attaches them all."""

from __future__ import annotations

from club.members import (  # noqa: F401  (routes)
    account_views,
    admission_views,
    manage_views,
    sign_in_views,
    tier_views,
)
from club.members.blueprint import bp

__all__ = ["bp"]
