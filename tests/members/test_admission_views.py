"""The admission pages: rules, approvals, membership steps, the history, the applicant's
progress and the frozen notice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.core.clock import utcnow
from club.members import admission
from club.members.admission_models import AdmissionReview
from club.members.models import MembershipStatus
from club.purchases.models import PurchaseMonth

pytestmark = pytest.mark.one_database  # pages: forms, templates, access (conftest)


def test_the_club_manager_sets_the_rules_and_bad_input_writes_nothing(
    client, club, login_as, db_session
):
    login_as(club.club_manager)
    page = client.get("/manage/admission")
    assert page.status_code == 200 and 'id="admission-rules"' in page.get_data(as_text=True)
    bad = {"threshold_points": "0", "window_months": "12", "forfeit_after_months": "6"}
    assert client.post("/manage/admission", data=bad).status_code == 422
    good = {**bad, "threshold_points": "240", "needs_approval": "y"}
    assert client.post("/manage/admission", data=good).status_code == 302
    rules = admission.rules(db_session)
    assert (rules.threshold_points, rules.needs_approval) == (240, True)
    assert db_session.scalar(
        select(AuditEntry.actor_id).where(AuditEntry.action == "admission.rules_changed")
    ) == (club.club_manager.id)


def test_the_account_manager_may_not_touch_admission(client, club, login_as):
    login_as(club.account_manager)
    assert client.get("/manage/admission").status_code == 403
    reply = client.post(
        f"/manage/companies/{club.company.id}/membership",
        data={"action": "suspend", "reason": "x"},
    )
    assert reply.status_code == 403


def test_approving_from_the_list_admits(client, club, login_as, db_session):
    club.company.status = MembershipStatus.APPLICANT
    review = AdmissionReview(company_id=club.company.id, points=130, reached_on=date(2026, 12, 1))
    db_session.add(review)
    db_session.commit()
    login_as(club.club_manager)
    assert "Hurtownia" in client.get("/manage/admission").get_data(as_text=True)
    reply = client.post(f"/manage/admission/reviews/{review.id}", data={"decision": "approve"})
    assert reply.status_code == 302
    db_session.expire_all()
    assert club.company.status == MembershipStatus.MEMBER


def test_suspending_shows_in_the_history_and_freezes_the_home_page(
    client, club, login_as, db_session
):
    login_as(club.club_manager)
    page = client.get(f"/manage/companies/{club.company.id}").get_data(as_text=True)
    # Each button's form carries its action once (an empty hidden copy would win).
    assert page.count('name="action"') == 2 and 'value="suspend"' in page
    url = f"/manage/companies/{club.company.id}/membership"
    assert client.post(url, data={"action": "suspend", "reason": ""}).status_code == 302
    db_session.expire_all()
    assert club.company.status == MembershipStatus.MEMBER  # no reason, no step
    client.post(url, data={"action": "suspend", "reason": "Invoices 90 days overdue"})
    db_session.expire_all()
    assert club.company.status == MembershipStatus.SUSPENDED
    client.post("/logout")
    login_as(club.account_manager)
    page = client.get(f"/manage/companies/{club.company.id}").get_data(as_text=True)
    assert 'id="membership-history"' in page and "Invoices 90 days overdue" in page
    client.post("/logout")
    login_as(club.holder)
    home = client.get("/").get_data(as_text=True)
    assert 'id="frozen-notice"' in home and "frozen" in home


def test_an_applicant_sees_how_much_more_to_buy(client, club, login_as, db_session):
    club.company.status = MembershipStatus.APPLICANT
    today = date.today()
    db_session.add(
        PurchaseMonth(
            company_id=club.company.id,
            period=date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1),
            rate=500,
            grace_days=7,
            net_total=Decimal(30_000),
            earned=60,
            confirmed=60,
            closed_at=utcnow(),
        )
    )
    db_session.commit()
    login_as(club.staff)
    home = client.get("/").get_data(as_text=True)
    # 100 - 60 = 40 points at 500 PLN a point.
    assert 'id="admission-card"' in home and "20,000.00" in home
    client.post("/logout")
    login_as(club.other_holder)  # a member: no card
    assert 'id="admission-card"' not in client.get("/").get_data(as_text=True)


def test_the_pilot_flag_is_set_on_the_form_and_filters_the_list(client, club, login_as, db_session):
    login_as(club.club_manager)
    company = club.company
    form = {
        "name": company.name,
        "country": "PL",
        "tax_id": company.tax_id,
        "status": "member",
        "account_manager_id": str(club.account_manager.id),
        "is_pilot": "y",
    }
    assert client.post(f"/manage/companies/{company.id}/edit", data=form).status_code == 302
    db_session.expire_all()
    assert company.is_pilot
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "company.updated"))
    assert audit.after["is_pilot"] is True
    listed = client.get("/manage/companies?pilot=1").get_data(as_text=True)
    assert company.name in listed and club.other_company.name not in listed
