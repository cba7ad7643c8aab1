"""The awards tests name companies for quarters of 2026: their companies have been members
since 2025, as a quarter's candidates must have joined by its end."""

from __future__ import annotations

from datetime import date

import pytest

MEMBERS_SINCE = date(2025, 1, 1)


@pytest.fixture
def make_company(make_company):
    def make(name: str | None = None, **fields):
        fields.setdefault("joined_on", MEMBERS_SINCE)
        return make_company(name, **fields)

    return make
