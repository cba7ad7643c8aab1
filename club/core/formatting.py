"""How the club writes numbers, money, dates and periods, in the viewer's language.

Templates use the Jinja filters registered by `init_app`; PDFs, mails and CSV files call
the functions. Times are shown in the club's time zone (Flask-Babel's default zone is the
club's), with the zone named where a time of day is shown.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from flask import Flask
from flask_babel import (
    format_currency,
    format_decimal,
    format_percent,
    get_locale,
    get_timezone,
)
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import gettext as _

from club.core.periods import Period

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


def percent(value: Decimal | int | float | None) -> str:
    """A share given in percent, one decimal, in the viewer's notation (12,5%); a dash
    when there is none (nothing to divide by)."""
    if value is None:
        return "—"
    return format_percent(Decimal(value) / 100, format="#,##0.0%")


def date_(value: date | datetime | None, fmt: str = "medium") -> str:
    return babel_format_date(value, fmt) if value else ""


def datetime_(value: datetime | None, fmt: str = "medium") -> str:
    return babel_format_datetime(value, fmt) if value else ""


def zone_name() -> str:
    """The club zone as people read it next to a time, e.g. Europe/Warsaw."""
    return str(get_timezone())


def datetime_zoned(value: datetime | None, fmt: str = "medium") -> str:
    """A moment in the club's zone, with the zone named: 6 Dec 2026, 21:30 (Europe/Warsaw)."""
    if not value:
        return ""
    return f"{babel_format_datetime(value, fmt)} ({zone_name()})"


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
        period=period_label,
    )
