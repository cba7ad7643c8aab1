"""Catalogue fixtures: privileges and a funded company."""

from __future__ import annotations

from decimal import Decimal

import pytest

from club.catalog import services as catalog
from club.ledger import services as ledger

BRIEF = [
    {"key": "site", "label": "Your web site", "type": "url", "required": True},
    {"key": "topic", "label": "Topic", "type": "text", "required": True},
    {"key": "words", "label": "Length in words", "type": "number", "required": False},
]


@pytest.fixture
def make_privilege(db_session, club):
    def make(title="Copywriting", points=500, **fields):
        fields.setdefault("category", "marketing")
        fields.setdefault("money_value", Decimal("800.00"))
        fields.setdefault("brief", [])
        privilege = catalog.save_privilege(
            db_session, None, actor=club.club_manager, title=title, points_cost=points, **fields
        )
        db_session.commit()
        return privilege

    return make


@pytest.fixture
def funded(db_session, club):
    """The first company has 2,000 available points."""
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 2000, source=ledger.Source("test", "fund"))
    db_session.commit()
    return wallet
