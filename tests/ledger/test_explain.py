"""A statement line reads in the reader's language, whoever earned the points."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from club.ledger.explain import explain
from club.ledger.models import Entry, EntryKind

pytestmark = pytest.mark.one_database


def test_a_course_earning_is_told_in_the_readers_language(app):
    entry = Entry(
        kind=EntryKind.EARN,
        amount=50,
        source_type="course",
        source_id="1",
        reason="the course “Oświetlenie”",  # written when an English speaker passed it
        details={"course": "oswietlenie", "title": "Oświetlenie"},
    )
    with app.test_request_context("/"), force_locale("pl"):
        text = explain(entry)
    assert "Oświetlenie" in text and "the course" not in text


def test_frozen_points_name_the_day_as_the_reader_writes_it(app):
    entry = Entry(
        kind=EntryKind.EXPIRE, amount=-5, source_type="membership", details={"since": "2026-03-01"}
    )
    with app.test_request_context("/"), force_locale("en"):
        assert "frozen since 1 Mar 2026" in explain(entry)


def test_a_rule_line_ends_in_one_period_when_the_document_ends_in_one(app):
    entry = Entry(
        kind=EntryKind.EARN,
        amount=10,
        source_type="bonus_rule",
        details={"names": {"en": "E-invoices"}, "version": 2, "document": "Report Sp. z o.o."},
    )
    with app.test_request_context("/"), force_locale("en"):
        assert explain(entry) == "E-invoices (version 2): Report Sp. z o.o."
