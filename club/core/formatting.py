"""How the club writes numbers, money, dates and periods, in the viewer's language.

Templates use the Jinja filters registered by `init_app`; PDFs, mails and CSV files call
the functions. Times are shown in the club's time zone (Flask-Babel's default zone is the
club's), with the zone named where a time of day is shown.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import dates as babel_dates
from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    format_currency,
    format_decimal,
    format_percent,
    get_locale,
    get_timezone,
    to_user_timezone,
)
from flask_babel import format_date as babel_format_date
from flask_babel import gettext as _

from club.core.periods import Period

# The cookie static/js/zone.js sets with the browser's zone (an IANA name).
ZONE_COOKIE = "club_tz"
SPAN_START = "EEE d MMM y, HH:mm"
# "г." after a Russian year, with the (no-break) space before it.
RUSSIAN_YEAR_MARK = re.compile(r"\s*г\.$")
# A narrow no-break space between thousands, in every language: 12 345.
THOUSANDS = "\u202f"


def points(value: int | None) -> str:
    """Points as the club writes them in every language: 12 345."""
    return f"{value or 0:,}".replace(",", THOUSANDS)


def amount(value: Decimal | int | float | None) -> str:
    """A sum of money without its currency, in the viewer's notation: 1 234,50."""
    return format_decimal(value or 0, format="#,##0.00")


def plain_amount(value: Decimal | int | float | None) -> str:
    """A sum for a form field or a CSV cell: no thousands separator, the viewer's decimal
    sign (1234,50 in Polish)."""
    return format_decimal(value or 0, format="0.00")


def money(value: Decimal | int | float | None, currency: str | None = None) -> str:
    """A sum with its currency (1 234,50 zł), or without when the currency is unknown."""
    if not currency:
        return amount(value)
    return format_currency(value or 0, currency)


def format_locale() -> str:
    """The locale dates are written in: the viewer's language, where the club says which
    variant (English as en_GB by default: 6 Dec 2026, not Dec 6, 2026)."""
    language = str(get_locale())
    return current_app.config.get("FORMAT_LOCALES", {}).get(language, language)


def percent(value: Decimal | int | float | None) -> str:
    """A share given in percent, one decimal, in the viewer's notation (12,5%); a dash
    when there is none (nothing to divide by)."""
    if value is None:
        return "—"
    return format_percent(Decimal(value) / 100, format="#,##0.0%")


def date_(value: date | datetime | None, fmt: str = "medium") -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value)  # the club's day, as Flask-Babel's format_date does
    text = babel_dates.format_date(value, fmt, locale=format_locale())
    # Russian dates end in "г."; at the end of a sentence that made "г.." - the year
    # alone reads as well (6 дек. 2026).
    return RUSSIAN_YEAR_MARK.sub("", text)


def datetime_(value: datetime | None, fmt: str = "medium") -> str:
    if not value:
        return ""
    return babel_dates.format_datetime(value, fmt, tzinfo=get_timezone(), locale=format_locale())


def zone_name() -> str:
    """The club zone as people read it next to a time, e.g. Europe/Warsaw."""
    return str(get_timezone())


def viewer_zone() -> ZoneInfo | None:
    """The viewer's own zone, as their browser reported it (static/js/zone.js sets the
    cookie), or None when unknown or not a zone."""
    if not has_request_context():
        return None
    name = request.cookies.get(ZONE_COOKIE, "")
    if not name or len(name) > 64 or name not in _zone_names():
        return None
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _viewer_differs(value: datetime) -> ZoneInfo | None:
    """The viewer's zone when its clock shows another time than the club's at `value`."""
    zone = viewer_zone()
    if zone is None or value.tzinfo is None:
        return None
    if value.astimezone(zone).utcoffset() == value.astimezone(get_timezone()).utcoffset():
        return None
    return zone


def _in_zone(value: datetime, fmt: str, zone: ZoneInfo) -> str:
    return babel_dates.format_datetime(value, fmt, tzinfo=zone, locale=format_locale())


def datetime_zoned(value: datetime | None, fmt: str = "medium") -> str:
    """A moment in the club's zone, with the zone named: 6 Dec 2026, 21:30 (Europe/Warsaw);
    then the viewer's time where their zone's clock differs: · 23:30 your time (Europe/Moscow)."""
    if not value:
        return ""
    text = f"{datetime_(value, fmt)} ({zone_name()})"
    if (zone := _viewer_differs(value)) is not None:
        theirs = _in_zone(value, "HH:mm" if fmt == "HH:mm" else "EEE d MMM, HH:mm", zone)
        text += " · " + _("%(time)s your time (%(zone)s)", time=theirs, zone=zone.key)
    return text


def span_zoned(starts: datetime | None, ends: datetime | None) -> str:
    """A meeting's start and end in the club's zone, named, and in the viewer's when it
    differs: Tue 8 Dec 2026, 09:00 – 11:00 (Europe/Warsaw) · Tue 8 Dec, 11:00 – 13:00
    your time (Europe/Moscow)."""
    if not starts:
        return ""
    text = f"{datetime_(starts, SPAN_START)}"
    if ends:
        text += f" – {datetime_(ends, 'HH:mm')}"
    text += f" ({zone_name()})"
    if (zone := _viewer_differs(starts)) is not None:
        theirs = _in_zone(starts, "EEE d MMM, HH:mm", zone)
        if ends:
            theirs += f" – {_in_zone(ends, 'HH:mm', zone)}"
        text += " · " + _("%(time)s your time (%(zone)s)", time=theirs, zone=zone.key)
    return text


def period_label(period: Period) -> str:
    """A period as people read it, in the request's language."""
    return _period_label(str(get_locale()), period)


@lru_cache(maxsize=2048)
def _period_label(locale: str, period: Period) -> str:
    """Remembered per language: Babel's date formatting is slow next to a board's SQL.
    `locale` is the request's (so in the key), and the functions below use it."""
    if period.kind == "month":
        return babel_format_date(period.starts, "LLLL yyyy")
    if period.kind == "quarter":
        return _("Q%(quarter)d %(year)d", quarter=period.number, year=period.year)
    if period.kind == "year":
        return str(period.year)
    return _("All time")


def clock(seconds: int | float | None) -> str:
    """Time left as a clock face: 4:05, 1:02:03 (never negative)."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def init_app(app: Flask) -> None:
    """The template filters: one formatter for every page."""
    app.jinja_env.filters.update(
        points=points,
        amount=amount,
        money=money,
        percent=percent,
        date=date_,
        datetime=datetime_,
        datetime_zoned=datetime_zoned,
        span_zoned=span_zoned,
        period=period_label,
        clock=clock,
    )
