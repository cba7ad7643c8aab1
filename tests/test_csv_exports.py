"""Every CSV export with values people typed that a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from club.catalog import services as catalog
from club.catalog.models import RedemptionStatus
from club.ledger import services as ledger

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

EVIL = ('=HYPERLINK("http://evil")', "+SUM(1;2)", "-2+3", "@cmd")


def _cells(response) -> list[str]:
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def _assert_safe(cells: list[str], *typed: str) -> None:
    for value in typed:
        assert "'" + value in cells, value
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


@pytest.fixture
def typed_by_people(db_session, club, make_privilege, funded):
    """A company, a person, a privilege and a sponsor named like formulas, and a
    fulfilled redemption that puts them in every export."""
    club.company.name = EVIL[0]
    club.holder.name = EVIL[1]
    privilege = make_privilege(title=EVIL[2], points=300, sponsor=EVIL[3], sponsor_share_percent=50)
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 10, person=club.holder, source=ledger.Source("test", "typed"))
    redemption = catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    for step in (RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED):
        catalog.move(db_session, redemption, step, actor=club.club_manager)
    db_session.commit()
    return datetime.now(UTC).year


def test_holder_statement(client, login_as, club, typed_by_people):
    login_as(club.holder)
    _assert_safe(_cells(client.get("/wallet/statement.csv")), EVIL[1])


def test_manager_statement(client, login_as, club, typed_by_people):
    login_as(club.club_manager)
    cells = _cells(client.get(f"/manage/companies/{club.company.id}/wallet/statement.csv"))
    _assert_safe(cells, EVIL[1])


def test_tax_report(client, login_as, club, typed_by_people):
    login_as(club.club_manager)
    cells = _cells(client.get(f"/manage/reports/tax.csv?year={typed_by_people}"))
    _assert_safe(cells, EVIL[0])


def test_sponsor_report(client, login_as, club, typed_by_people):
    login_as(club.club_manager)
    cells = _cells(client.get(f"/manage/reports/sponsors.csv?year={typed_by_people}"))
    _assert_safe(cells, EVIL[3])
