"""Goods and e-vouchers through the pages: redeeming with a delivery, shipping, the
pool upload, and the code shown only to the holder on a POST."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.catalog import services as catalog
from club.catalog.models import PrivilegeKind, Redemption, RedemptionStatus
from tests.conftest import login

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def _key(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="request_key" type="hidden" value="([^"]+)"', page).group(1), page


def test_redeem_a_good_then_ship_it(client, club, funded, make_privilege, db_session):
    good = make_privilege("Demo kit", points=300, kind=PrivilegeKind.GOOD, variants=[("XL", 1)])
    login(client, club.holder)
    key, page = _key(client, "/privileges/demo-kit")
    assert 'name="address"' in page and "XL" in page
    missing = client.post("/privileges/demo-kit/redeem", data={"request_key": key})
    assert missing.status_code == 422
    assert "Where should we send it?" in missing.get_data(as_text=True)
    data = {
        "request_key": key,
        "variant": str(good.variants[0].id),
        "address": "ul. Prosta 1, Warszawa",
        "phone": "+48 600 100 200",
    }
    assert client.post("/privileges/demo-kit/redeem", data=data).status_code == 302
    redemption = db_session.scalar(select(Redemption))
    _again, page = _key(client, "/privileges/demo-kit")
    assert "ul. Prosta 1, Warszawa" in page  # remembered for next time

    client.post("/logout")
    login(client, club.club_manager)
    moved = client.post(f"/redemptions/{redemption.id}/move", data={"to": "approved"})
    assert moved.status_code == 302, moved.get_data(as_text=True)[-3000:]
    page = client.get(f"/redemptions/{redemption.id}").get_data(as_text=True)
    assert 'id="ship-form"' in page
    assert 'value="fulfilled"' not in page
    shipped = client.post(
        f"/redemptions/{redemption.id}/ship", data={"carrier": "DPD", "tracking_number": "X9"}
    )
    assert shipped.status_code == 302
    db_session.refresh(redemption)
    assert redemption.status == RedemptionStatus.FULFILLED
    client.post("/logout")
    login(client, club.holder)
    assert 'id="tracking-number">X9<' in client.get(f"/redemptions/{redemption.id}").get_data(
        as_text=True
    )


def test_pool_upload_reports_rows_and_the_code_is_revealed_only_on_post(
    client, club, funded, make_privilege, db_session
):
    voucher = make_privilege(
        "Gift card", points=200, kind=PrivilegeKind.E_VOUCHER, money_value=Decimal("50")
    )
    login(client, club.club_manager)
    url = f"/manage/privileges/{voucher.id}/codes"
    bad = client.post(url, data={"file": (io.BytesIO(b"code,value\n,5\n"), "codes.csv")})
    assert bad.status_code == 422 and "Line 2: The code is empty." in bad.get_data(as_text=True)
    good = client.post(url, data={"file": (io.BytesIO(b"code,value\nSECRET-1,50\n"), "c.csv")})
    assert good.status_code == 302
    assert 'id="codes-left">1<' in client.get(url).get_data(as_text=True)

    redemption = catalog.redeem(db_session, voucher, actor=club.holder, answers={})
    catalog.move(db_session, redemption, RedemptionStatus.APPROVED, actor=club.club_manager)
    db_session.commit()
    for page in (f"/redemptions/{redemption.id}", "/manage/redemptions?status="):
        assert "SECRET-1" not in client.get(page).get_data(as_text=True)
    client.post("/logout")
    login(client, club.holder)
    page = client.get(f"/redemptions/{redemption.id}").get_data(as_text=True)
    assert "SECRET-1" not in page and 'id="reveal-form"' in page
    assert "SECRET-1" not in client.get("/my-company/redemptions").get_data(as_text=True)
    shown = client.post(f"/redemptions/{redemption.id}/code")
    assert shown.status_code == 200 and "SECRET-1" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    assert db_session.scalar(select(AuditEntry.id).where(AuditEntry.action == "voucher.revealed"))


@pytest.mark.parametrize(
    ("language", "left"), [("en", "2 left"), ("pl", "pozostało: 2"), ("ru", "осталось: 2")]
)
def test_a_goods_variants_say_what_is_left_in_the_readers_language(
    client, club, funded, make_privilege, db_session, language, left
):
    make_privilege("Demo kit", points=300, kind=PrivilegeKind.GOOD, variants=[("XL", 2)])
    club.holder.language = language
    db_session.commit()
    login(client, club.holder)
    page = client.get("/privileges/demo-kit").get_data(as_text=True)
    assert f'<dd class="variant-left">{left}</dd>' in page
