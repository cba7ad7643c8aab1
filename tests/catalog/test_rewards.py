"""Goods (variants, delivery, shipping, returns) and e-vouchers (pools, codes, reveals)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.catalog import services as catalog
from club.catalog.errors import BriefIncomplete, CapacityReached, CatalogError
from club.catalog.models import PrivilegeKind, RedemptionStatus, VoucherCode
from club.core.errors import NotAllowed
from club.jobs import warn_low_voucher_pools, withdraw_expired_codes
from club.ledger.models import Entry, EntryKind
from club.ledger.verify import verify

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

NOW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
ADDRESS = catalog.Delivery("ul. Prosta 1\n00-001 Warszawa", "+48 600 100 200")
POOL = b"code,pin,value,expiry\nAAA-111,1234,100.00,2026-12-31\nBBB-222,,100,31.12.2026\n"


@pytest.fixture
def good(make_privilege):
    return make_privilege(
        "Polo shirt",
        points=300,
        kind=PrivilegeKind.GOOD,
        money_value=Decimal("120.00"),
        variants=[("M", 1), ("L", 2)],
    )


@pytest.fixture
def voucher(make_privilege):
    return make_privilege(
        "Gift card",
        points=200,
        kind=PrivilegeKind.E_VOUCHER,
        money_value=Decimal("90.00"),
        category="vouchers",
        pool_threshold=2,
    )


def test_a_good_needs_an_address_a_phone_and_a_variant(db_session, club, funded, good):
    with pytest.raises(BriefIncomplete) as refused:
        catalog.redeem(
            db_session, good, actor=club.holder, answers={}, delivery=catalog.Delivery("", "12")
        )
    assert set(refused.value.problems) == {"address", "phone", "variant"}


def test_a_variant_runs_out_and_the_address_is_remembered(db_session, club, funded, good):
    medium = good.variants[0]
    delivery = catalog.Delivery(ADDRESS.address, ADDRESS.phone, medium.id)
    redemption = catalog.redeem(db_session, good, actor=club.holder, answers={}, delivery=delivery)
    assert redemption.delivery_address == ADDRESS.address and redemption.variant_id == medium.id
    assert catalog.saved_address(db_session, club.company.id).phone == ADDRESS.phone
    assert catalog.variants_left(db_session, good) == {medium.id: 0, good.variants[1].id: 2}
    assert catalog.remaining(db_session, good, today=NOW.date()).in_stock == 2
    with pytest.raises(CapacityReached, match="“M” is out of stock"):
        catalog.redeem(db_session, good, actor=club.holder, answers={}, delivery=delivery)


def test_shipping_fulfils_a_good_and_a_return_refunds_and_restocks(
    db_session, club, funded, good, mailbox
):
    medium = good.variants[0]
    delivery = catalog.Delivery(ADDRESS.address, ADDRESS.phone, medium.id)
    redemption = catalog.redeem(db_session, good, actor=club.holder, answers={}, delivery=delivery)
    catalog.move(db_session, redemption, RedemptionStatus.APPROVED, actor=club.club_manager)
    with pytest.raises(CatalogError, match="tracking number"):
        catalog.move(db_session, redemption, RedemptionStatus.FULFILLED, actor=club.club_manager)
    catalog.ship(
        db_session, redemption, carrier="InPost", tracking_number="PL123", actor=club.club_manager
    )
    db_session.commit()
    assert redemption.status == RedemptionStatus.FULFILLED
    assert any("PL123" in message.get_content() for message in mailbox.messages)
    db_session.refresh(funded)
    assert (funded.available, funded.held) == (1700, 0)
    with pytest.raises(CatalogError, match="Say why"):
        catalog.take_back(db_session, redemption, restock=True, note="", actor=club.club_manager)
    for _twice in range(2):
        catalog.take_back(
            db_session, redemption, restock=True, note="Wrong size", actor=club.club_manager
        )
    db_session.commit()
    assert "300 points are back in your wallet" in mailbox.messages[-1].get_content()
    assert "Wrong size" in mailbox.messages[-1].get_content()
    db_session.refresh(funded)
    assert funded.available == 2000
    refund = db_session.scalar(select(Entry).where(Entry.source_type == "redemption"))
    assert refund.source_id == str(redemption.id) and refund.kind == EntryKind.RELEASE
    assert catalog.variants_left(db_session, good)[medium.id] == 1
    assert catalog.tax_report(db_session, redemption.fulfilled_at.year) == []
    assert verify(db_session).problems == []


def test_bad_pool_files_load_nothing_and_say_which_rows(db_session, club, voucher):
    bad = b"code;value;expiry\nAAA;10,00;\n;10;\nBBB;ten;\nCCC;5;2020-01-01\nAAA;10;\n"
    with pytest.raises(catalog.PoolFileRefused) as refused:
        catalog.load_pool(db_session, voucher, bad, actor=club.club_manager, now=NOW)
    problems = "\n".join(refused.value.problems)
    assert "Line 3: The code is empty." in problems
    assert "Line 4:" in problems and "Line 5: This code expired" in problems
    assert "Line 6: the same code is on line 2." in problems
    with pytest.raises(catalog.PoolFileRefused, match="columns code and value"):
        catalog.load_pool(db_session, voucher, b"number,pin\n1,2\n", actor=club.club_manager)
    catalog.load_pool(db_session, voucher, POOL, actor=club.club_manager, now=NOW)
    with pytest.raises(catalog.PoolFileRefused) as again:
        catalog.load_pool(db_session, voucher, POOL, actor=club.club_manager, now=NOW)
    assert again.value.problems[0] == "Line 2: this code is already in the pool."
    assert catalog.pool_counts(db_session, voucher, today=NOW.date()).left == 2


def test_codes_are_sealed_and_assigned_on_approval(db_session, club, funded, voucher, mailbox):
    catalog.load_pool(db_session, voucher, POOL, actor=club.club_manager, now=NOW)
    stored = db_session.scalars(select(VoucherCode)).all()
    assert all("AAA-111" not in code.sealed_code and code.sealed_pin != "1234" for code in stored)
    redemption = catalog.redeem(db_session, voucher, actor=club.holder, answers={}, now=NOW)
    catalog.move(
        db_session, redemption, RedemptionStatus.APPROVED, actor=club.club_manager, now=NOW
    )
    db_session.commit()
    assert redemption.status == RedemptionStatus.FULFILLED
    assert redemption.money_value == Decimal("100.00")  # the code's face value
    assert any("AAA-111" in message.get_content() for message in mailbox.messages)
    with pytest.raises(NotAllowed):
        catalog.reveal(db_session, redemption, actor=club.club_manager)
    assert catalog.reveal(db_session, redemption, actor=club.holder) == ("AAA-111", "1234")
    actions = db_session.scalars(select(AuditEntry.action)).all()
    assert "voucher.revealed" in actions and "voucher.mailed" in actions
    (row,) = catalog.tax_report(db_session, 2026)
    assert row[4] == Decimal("100.00") and row[7] == Decimal("100.00") and row[6] == 0


def test_an_empty_pool_makes_the_redemption_wait_until_codes_come(
    db_session, club, funded, voucher
):
    voucher.delivers_at_once = True
    redemption = catalog.redeem(db_session, voucher, actor=club.holder, answers={}, now=NOW)
    assert redemption.status == RedemptionStatus.APPROVED and redemption.voucher is None
    loaded = catalog.load_pool(db_session, voucher, POOL, actor=club.club_manager, now=NOW)
    assert (loaded.loaded, loaded.served) == (2, 1)
    assert redemption.status == RedemptionStatus.FULFILLED
    at_once = catalog.redeem(db_session, voucher, actor=club.holder, answers={}, now=NOW)
    assert at_once.status == RedemptionStatus.FULFILLED
    assert verify(db_session).problems == []


def test_low_pools_warn_once_and_expired_codes_are_withdrawn(db_session, club, voucher, mailbox):
    catalog.load_pool(db_session, voucher, POOL[:-25] + b"\n", actor=club.club_manager, now=NOW)
    assert warn_low_voucher_pools(db_session, now=NOW) == 1
    assert warn_low_voucher_pools(db_session, now=NOW) == 0
    db_session.commit()
    assert [m["To"] for m in mailbox.messages] == [club.club_manager.email]
    assert withdraw_expired_codes(db_session, now=datetime(2027, 1, 2, tzinfo=UTC)) == 1
    assert withdraw_expired_codes(db_session, now=datetime(2027, 1, 2, tzinfo=UTC)) == 0
    assert catalog.pool_counts(db_session, voucher, today=NOW.date()).withdrawn == 1
