"""Complaints and contracts from a CSV file: all rows or none, each refusal with its
line, column and reason (club.relations.csv_import)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from club.relations import csv_import
from club.relations.csv_import import FileKind
from club.relations.models import Complaint, Contract

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _import(db_session, text: str | bytes, kind=FileKind.COMPLAINTS, **options):
    data = text.encode() if isinstance(text, str) else text
    return csv_import.import_file(db_session, data, kind, now=NOW, **options)


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_complaints_are_imported_and_sent_again_harmlessly(db_session, club):
    tax_a, tax_b = club.company.tax_id, club.other_company.tax_id
    text = (
        "country;tax_id;external_id;opened_on;closed_on;subject\n"
        f"PL;{tax_a};RK/1;2026-11-02;;Damaged drums\n"
        f"\n;PL{tax_b};RK/1;03.11.2026;10.11.2026;Late delivery\n"  # a blank line, a VAT prefix
    )
    result = _import(db_session, text)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    again = _import(db_session, text.replace(";;Damaged", ";2026-11-15;Damaged"))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    closed = db_session.scalar(select(Complaint).where(Complaint.company_id == club.company.id))
    assert closed.closed_on == date(2026, 11, 15)


def test_a_bad_row_imports_nothing_and_every_refusal_is_listed(db_session, club):
    tax = club.company.tax_id
    text = (
        "Kraj;NIP;Numer;Data otwarcia;Data zamknięcia;Temat\n"  # Polish headers
        f"PL;{tax};RK/1;2026-11-02;;Fine row\n"
        f"PL;{tax};RK/2;2026-13-02;;Bad date\n"
        f"PL;5260000005;RK/3;2026-11-02;;Unknown company\n"
        f"PL;{tax};RK/1;2026-11-02;;The same number again\n"
        f"PL;{tax};RK/4;2026-11-05;2026-11-01;Closed before opened\n"
        f"XX;{tax};RK/5;2026-11-05;;Not a country\n"
        f"PL;{tax};;2026-11-05;;No number\n"
        f'PL;{tax};RK/6;2026-11-05;;"quote left open\n'
    )
    result = _import(db_session, text)
    assert not result.ok
    lines = [(line, column) for line, column, _message in result.errors]
    assert lines == [
        (3, "Data otwarcia"),
        (4, "NIP"),
        (5, "Numer"),
        (6, "Data zamknięcia"),
        (7, "Kraj"),
        (8, "Numer"),
        (9, None),
    ]
    assert "line 2" in result.errors[2][2]
    assert _count(db_session, Complaint) == 0


def test_contracts_and_problems_with_the_whole_file(db_session, club):
    tax = club.company.tax_id
    result = _import(
        db_session,
        f"tax_id,reference,starts_on,ends_on\n{tax},U/1,2025-01-01,2026-12-31\n{tax},U/2,2027-01-01,\n",
        FileKind.CONTRACTS,
    )
    assert result.ok and result.created == 2
    assert _count(db_session, Contract) == 2
    for data, words in [
        (b"", "empty"),
        (b"PK\x03\x04xlsx", "Excel"),
        (b"tax_id;subject\n1;x\n", "missing"),
        (b"country;tax_id;external_id;opened_on;subject\n", "no rows"),
    ]:
        refused = _import(db_session, data)
        assert refused.errors[0][0] is None and words in refused.errors[0][2], refused.errors
    # Windows-1250, found out from the text: Polish letters in the subject.
    text = (
        f"nip;numer;data_otwarcia;temat\n{tax};RK/9;2026-11-02;Uszkodzone bębny, źle zapakowane\n"
    )
    result = _import(db_session, text.encode("windows-1250"))
    assert result.ok, result.errors
    assert db_session.scalar(select(Complaint.subject)) == "Uszkodzone bębny, źle zapakowane"
