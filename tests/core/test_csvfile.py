"""The shared CSV writer: no cell runs as a formula, whatever people typed."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from club.core.csvfile import csv_response, csv_text, safe_cell


@pytest.fixture(autouse=True)
def babel_app():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_text_that_would_start_a_formula_is_quoted(typed):
    assert safe_cell(typed) == "'" + typed
    rows = list(csv.reader(io.StringIO(csv_text(["name"], [[typed]]))))
    assert rows[1] == ["'" + typed]


def test_plain_values_are_left_alone():
    assert safe_cell("Hurtownia Żak") == "Hurtownia Żak"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(-5) == -5  # a number is a number, not a formula
    assert safe_cell(date(2026, 12, 31)) == date(2026, 12, 31)
    assert safe_cell(None) is None


def test_header_cells_are_safe_too():
    assert csv_text(["=cmd"], []).startswith("'=cmd")


@pytest.mark.parametrize(
    ("language", "delimiter", "amount"),
    [("en", ",", "1234.50"), ("pl", ";", "1234,50"), ("ru", ";", "1234,50")],
)
def test_dialect_follows_the_reader(language, delimiter, amount):
    with force_locale(language):
        response = csv_response(["a", "b"], [["=x", Decimal("1234.50")]], "f.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))
    assert rows == [["a", "b"], ["'=x", amount]]
    assert response.headers["Content-Disposition"] == 'attachment; filename="f.csv"'
