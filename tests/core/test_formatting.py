"""Dates in the viewer's language and the club's variant of it; meeting times in the club's
zone, named, and in the viewer's zone when its clock differs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from club.core import formatting

pytestmark = pytest.mark.one_database

DAY = date(2026, 12, 6)
START = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)  # 09:00 in Warsaw, 11:00 in Moscow
END = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def _in(app, language, *, cookie=None):
    headers = {"Cookie": f"club_tz={cookie}"} if cookie else {}
    return app.test_request_context("/", headers=headers), force_locale(language)


def test_english_dates_run_day_month_year_and_russian_ones_end_without_g(app):
    context, language = _in(app, "en")
    with context, language:
        assert formatting.date_(DAY) == "6 Dec 2026"
    context, language = _in(app, "ru")
    with context, language:
        assert formatting.date_(DAY) == "6 дек. 2026"
        assert formatting.date_(DAY, "long") == "6 декабря 2026"
        assert not formatting.date_(DAY).endswith(".")  # "… %(date)s." gives one dot


def test_meeting_times_name_the_club_zone_and_add_the_viewers(app):
    context, language = _in(app, "en")
    with context, language:
        assert formatting.span_zoned(START, END) == "Tue 8 Dec 2026, 09:00 – 11:00 (Europe/Warsaw)"
    context, language = _in(app, "en", cookie="Europe/Moscow")
    with context, language:
        assert formatting.span_zoned(START, END) == (
            "Tue 8 Dec 2026, 09:00 – 11:00 (Europe/Warsaw)"
            " · Tue 8 Dec, 11:00 – 13:00 your time (Europe/Moscow)"
        )
        assert formatting.datetime_zoned(START, "HH:mm") == (
            "09:00 (Europe/Warsaw) · 11:00 your time (Europe/Moscow)"
        )
    # The same clock under another name, or no zone at all, adds nothing.
    for cookie in ("Europe/Berlin", "Mars/Olympus"):
        context, language = _in(app, "en", cookie=cookie)
        with context, language:
            assert formatting.datetime_zoned(START, "HH:mm") == "09:00 (Europe/Warsaw)"
