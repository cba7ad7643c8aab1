"""Complaints and contracts stored from the supplier's systems, and what the portfolio
reads of them and of the contact log (club.relations.services)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from club.relations import contacts, records, services
from club.relations.errors import InvalidRecord, NotInPortfolio, RelationsError
from club.relations.models import ContactKind
from club.relations.records import ComplaintData, ContractData, Outcome

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def test_a_complaint_is_upserted_by_its_number(db_session, club):
    data = ComplaintData("RK/1", date(2026, 11, 2), None, "Damaged drums")
    complaint, outcome = records.upsert_complaint(db_session, club.company, data, now=NOW)
    assert outcome == Outcome.CREATED and complaint.is_open
    _same, again = records.upsert_complaint(db_session, club.company, data, now=NOW)
    assert again == Outcome.UNCHANGED
    closed = ComplaintData(" RK/1 ", date(2026, 11, 2), date(2026, 11, 10), "Damaged drums")
    row, outcome = records.upsert_complaint(db_session, club.company, closed, now=NOW)
    assert outcome == Outcome.UPDATED and row.id == complaint.id and not row.is_open
    # The same number at another company is another complaint.
    _other, outcome = records.upsert_complaint(db_session, club.other_company, data, now=NOW)
    assert outcome == Outcome.CREATED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ComplaintData("", date(2026, 11, 2), None, "x"), "external_id"),
        (ComplaintData("x" * 65, date(2026, 11, 2), None, "x"), "external_id"),
        (ComplaintData("RK\x00", date(2026, 11, 2), None, "x"), "external_id"),
        (ComplaintData("RK", date(2026, 11, 2), None, " "), "subject"),
        (ComplaintData("RK", date(2026, 11, 2), None, "s" * 201), "subject"),
        (ComplaintData("RK", date(2026, 11, 21), None, "x"), "opened_on"),
        (ComplaintData("RK", date(1999, 12, 31), None, "x"), "opened_on"),
        (ComplaintData("RK", date(2026, 11, 2), date(2026, 11, 1), "x"), "closed_on"),
        (ComplaintData("RK", date(2026, 11, 2), date(2026, 11, 21), "x"), "closed_on"),
    ],
)
def test_bad_complaints_are_refused_naming_the_field(db_session, club, data, field):
    with pytest.raises(InvalidRecord) as refused:
        records.upsert_complaint(db_session, club.company, data, now=NOW)
    assert refused.value.field == field


def test_contracts_and_when_the_cover_ends(db_session, club, make_company):
    third, fourth = make_company("Trzecia"), make_company("Czwarta")
    company = club.company
    records.upsert_contract(
        db_session, company, ContractData("U/1", date(2024, 1, 1), date(2026, 12, 31))
    )
    records.upsert_contract(
        db_session, company, ContractData("U/2", date(2027, 1, 1), date(2028, 12, 31))
    )
    records.upsert_contract(
        db_session, club.other_company, ContractData("U/1", date(2025, 1, 1), None)
    )
    records.upsert_contract(
        db_session, third, ContractData("U/9", date(2025, 1, 1), date(2026, 1, 31))
    )
    with pytest.raises(InvalidRecord):
        records.upsert_contract(
            db_session, company, ContractData("U/3", date(2026, 2, 1), date(2026, 1, 1))
        )
    # A prolongation sent again under the same reference moves the end.
    _row, outcome = records.upsert_contract(
        db_session, third, ContractData("U/9", date(2025, 1, 1), date(2027, 1, 31))
    )
    assert outcome == Outcome.UPDATED
    ends = services.contract_ends(
        db_session, [company.id, club.other_company.id, third.id, fourth.id]
    )
    assert ends == {
        company.id: date(2028, 12, 31),
        club.other_company.id: None,
        third.id: date(2027, 1, 31),
    }
    assert services.contract_ends(db_session, []) == {}


def test_open_and_recent_complaints_are_counted_per_company(db_session, club):
    for number, opened, closed in [
        ("1", date(2026, 5, 1), None),
        ("2", date(2026, 10, 1), None),
        ("3", date(2026, 10, 5), date(2026, 10, 20)),
        ("4", date(2025, 1, 1), date(2025, 2, 1)),
    ]:
        records.upsert_complaint(
            db_session, club.company, ComplaintData(number, opened, closed, "s"), now=NOW
        )
    ids = [club.company.id, club.other_company.id]
    assert services.open_complaints(db_session, ids) == {club.company.id: 2}
    assert services.recent_complaints(db_session, ids, date(2026, 9, 1)) == {club.company.id: 2}
    assert services.recent_complaints(db_session, ids, date(2027, 1, 1)) == {}


def test_contacts_next_steps_and_the_overdue_ones(db_session, club):
    am, company = club.account_manager, club.company

    def log(author=am, company=company, **fields):
        fields.setdefault("kind", ContactKind.CALL)
        fields.setdefault("happened_on", date(2026, 11, 1))
        fields.setdefault("note", "Talked about the spring order.")
        return contacts.log_contact(db_session, company, author=author, now=NOW, **fields)

    overdue = log(next_step="Send the offer", next_step_due=date(2026, 11, 10))
    log(next_step="Visit", next_step_due=date(2026, 11, 20))  # due today: not overdue yet
    log(next_step="Call back")  # no due date: never overdue
    by_club_manager = log(
        author=club.club_manager, next_step="Invite", next_step_due=date(2026, 11, 5)
    )
    done = log(next_step="Mail the catalogue", next_step_due=date(2026, 11, 2))
    contacts.mark_done(db_session, done, actor=am, now=NOW)
    contacts.mark_done(db_session, done, actor=am)  # again: nothing changes
    assert done.next_step_done_at == NOW
    log(author=club.other_account_manager, company=club.other_company,
        next_step="Theirs", next_step_due=date(2026, 11, 1))  # fmt: skip

    found = services.overdue_next_steps(db_session, am, TODAY)
    assert [c.id for c in found] == [by_club_manager.id, overdue.id]
    assert len(services.contacts_of(db_session, company.id)) == 5
    assert len(contacts.open_next_steps(services.contacts_of(db_session, company.id))) == 4


def test_only_the_companys_account_manager_or_the_club_manager_log(db_session, club):
    fields = {"kind": ContactKind.NOTE, "happened_on": date(2026, 11, 1), "note": "n"}
    for outsider in (club.other_account_manager, club.holder, club.staff):
        with pytest.raises(NotInPortfolio):
            contacts.log_contact(db_session, club.company, author=outsider, now=NOW, **fields)
    contact = contacts.log_contact(
        db_session, club.company, author=club.account_manager, now=NOW,
        next_step="x", **fields,
    )  # fmt: skip
    with pytest.raises(NotInPortfolio):
        contacts.mark_done(db_session, contact, actor=club.other_account_manager)
    assert contacts.contact_in_view(db_session, club.other_account_manager, contact.id) is None
    assert contacts.contact_in_view(db_session, club.club_manager, contact.id) is contact


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"note": "  "}, "note"),
        ({"note": "n" * 5001}, "note"),
        ({"happened_on": date(2026, 11, 21)}, "happened_on"),
        ({"next_step_due": date(2026, 12, 1)}, "next_step"),
        ({"next_step": "s" * 301}, "next_step"),
        ({"next_step": "s", "next_step_due": date(2026, 10, 1)}, "next_step_due"),
        ({"next_step": "s", "next_step_due": date(2101, 1, 1)}, "next_step_due"),
    ],
)
def test_bad_contacts_are_refused(db_session, club, fields, field):
    values = {"kind": ContactKind.CALL, "happened_on": date(2026, 11, 1), "note": "n"} | fields
    with pytest.raises(RelationsError) as refused:
        contacts.log_contact(
            db_session, club.company, author=club.account_manager, now=NOW, **values
        )
    assert refused.value.field == field
