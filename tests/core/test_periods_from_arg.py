"""Reading a period as it was written (a statement's filter, an entry's purchase month):
no check against today, unlike parsing what someone asks for."""

from __future__ import annotations

import pytest

from club.core import periods


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", periods.month(2026, 11)),
        ("2026-1", periods.month(2026, 1)),
        ("2026-Q4", periods.quarter(2026, 4)),
        ("2026-q1", periods.quarter(2026, 1)),
        ("2026", periods.year(2026)),
        ("ALL", periods.ALL),
        ("2999-01", periods.month(2999, 1)),  # not begun: still read as written
        ("1999", periods.year(1999)),
        ("2026-13", None),
        ("2026-Q5", None),
        ("2026-11-01", None),
        ("", None),
        (None, None),
    ],
)
def test_from_arg_reads_what_was_written(text, expected):
    assert periods.from_arg(text) == expected
