"""Erasing a person who left: pseudonymised in place, ledger intact, refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from club.api.models import ApiToken
from club.audit.models import AuditEntry
from club.catalog import services as catalog
from club.catalog.models import Redemption, RedemptionEvent, RedemptionStatus, Wish
from club.consent.models import Acceptance
from club.core.errors import NotAllowed
from club.events.models import CalendarFeed, Registration
from club.ledger.models import Entry
from club.ledger.verify import verify
from club.members import services as members
from club.members.models import MembershipStatus, OneTimeLink, User, UserSession
from club.privacy import erasure
from club.privacy.errors import ErasureRefused
from club.privacy.models import Erasure
from club.satisfaction.models import SurveyAnswer
from tests.conftest import login


def _count(db_session, model, *where) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


def _leave(db_session, person, club):
    members.set_active(db_session, person, active=False, actor=club.club_manager)
    db_session.commit()


def _rows_mentioning(db_session, *texts):
    """Every row of the tables erasure pseudonymises that still holds one of `texts`."""
    found = []
    checks = [
        (User, lambda u: [u.name, u.email]),
        (
            AuditEntry,
            lambda a: [
                json.dumps(a.before, ensure_ascii=False),
                json.dumps(a.after, ensure_ascii=False),
            ],
        ),
        (Wish, lambda w: [w.note]),
        (Registration, lambda r: [r.rating_comment]),
        (Redemption, lambda r: [json.dumps(r.answers, ensure_ascii=False)]),
        (RedemptionEvent, lambda e: [e.note]),
        (ApiToken, lambda t: [t.name]),
        (Acceptance, lambda a: [a.ip_address or "", a.user_agent or ""]),
        (SurveyAnswer, lambda a: [a.comment or ""]),
    ]
    for model, values in checks:
        for row in db_session.scalars(select(model)):
            if any(text in value for value in values(row) for text in texts):
                found.append(row)
    return found


def _settle_redemptions(db_session, world, club):
    """A company that leaves: its open redemptions are rejected (else: refused, below)."""
    for redemption in db_session.scalars(
        select(Redemption).where(Redemption.company_id == world.a.company_id)
    ):
        if redemption.status.is_open:
            catalog.move(
                db_session,
                redemption,
                RedemptionStatus.REJECTED,
                actor=club.club_manager,
                note="The company left.",
            )
    club.company.status = MembershipStatus.LEFT
    db_session.commit()


def test_erasing_the_staff_and_the_holder_of_a_company_that_left(client, db_session, world, club):
    staff = db_session.get(User, world.a.staff_id)
    holder = db_session.get(User, world.a.holder_id)
    old_staff = (
        staff.name,
        staff.email,
        "wish-of-A",
        "comment-of-A",
        "browser-of-A-partner",
        "nps-of-A",
    )
    old_holder = (holder.name, holder.email, "brief-of-A", "Token of A", "browser-of-A-account")
    _settle_redemptions(db_session, world, club)
    _leave(db_session, staff, club)
    _leave(db_session, holder, club)
    entries_before = _count(db_session, Entry)
    assert _rows_mentioning(db_session, *old_staff) and _rows_mentioning(db_session, *old_holder)

    erasure.erase(db_session, staff, actor=club.club_manager)
    erasure.erase(db_session, holder, actor=club.club_manager)
    db_session.commit()

    assert holder.name == f"Erased person #{holder.id}"
    assert holder.email == f"erased-{holder.id}@invalid"
    assert holder.password_hash is None and not holder.is_active and not holder.is_shown_on_boards
    assert _rows_mentioning(db_session, *old_staff, *old_holder) == []
    # The ledger is as it was, still naming the (pseudonymised) people.
    assert _count(db_session, Entry) == entries_before
    assert _count(db_session, Entry, Entry.person_id == staff.id) > 0
    assert _count(db_session, Entry, Entry.actor_id == holder.id) > 0
    assert verify(db_session).problems == []
    # Access is gone; what and when they accepted stays, not from where.
    assert _count(db_session, UserSession, UserSession.user_id.in_([staff.id, holder.id])) == 0
    assert _count(db_session, OneTimeLink, OneTimeLink.user_id.in_([staff.id, holder.id])) == 0
    assert _count(db_session, CalendarFeed, CalendarFeed.user_id == staff.id) == 0
    tokens = db_session.scalars(select(ApiToken).where(ApiToken.user_id == holder.id)).all()
    assert tokens and all(token.revoked_at for token in tokens)
    kept = db_session.scalar(select(Acceptance).where(Acceptance.user_id == staff.id))
    assert kept.document_id and kept.ip_address is None and kept.user_agent is None
    assert login(client, old_staff[1]).status_code == 401  # no such person any more
    # The erasure is audited without what was erased; B is untouched.
    entry = db_session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "user.erased", AuditEntry.object_id == str(holder.id)
        )
    )
    assert entry.actor_id == club.club_manager.id
    assert old_holder[0] not in json.dumps(entry.after)
    assert old_holder[1] not in json.dumps(entry.after)
    others = select(Wish.note).where(Wish.company_id == world.b.company_id)
    assert db_session.scalar(others) == "wish-of-B"
    assert db_session.get(User, world.b.staff_id).name == "Staff B"
    with pytest.raises(ErasureRefused, match="erased already"):
        erasure.erase(db_session, staff, actor=club.club_manager)


def test_refusals(db_session, club, funded, make_privilege):
    manager = club.club_manager
    with pytest.raises(ErasureRefused, match="still active"):
        erasure.erase(db_session, club.staff, actor=manager)
    _leave(db_session, club.holder, club)
    with pytest.raises(ErasureRefused, match="only account holder"):
        erasure.erase(db_session, club.holder, actor=manager)
    with pytest.raises(NotAllowed):
        erasure.erase(db_session, club.staff, actor=club.holder)
    with pytest.raises(ErasureRefused, match="yourself"):
        erasure.erase(db_session, manager, actor=manager)
    # A company that left, but its holder's redemption is still in the queue.
    members.set_active(db_session, club.holder, active=True, actor=manager)
    catalog.redeem(db_session, make_privilege(points=100), actor=club.holder, answers={})
    club.company.status = MembershipStatus.LEFT
    db_session.commit()
    _leave(db_session, club.holder, club)
    with pytest.raises(ErasureRefused, match="in progress"):
        erasure.erase(db_session, club.holder, actor=manager)
    assert db_session.scalar(select(func.count()).select_from(Erasure)) == 0
    assert club.holder.name == "Holder A"


def test_the_erase_page(client, db_session, club, login_as):
    _leave(db_session, club.staff, club)
    login_as(club.club_manager)
    page = client.get(f"/manage/people/{club.staff.id}/erase").get_data(as_text=True)
    assert f"Erased person #{club.staff.id}" in page and "Erase this person" in page
    done = client.post(f"/manage/people/{club.staff.id}/erase")
    assert done.status_code == 302 and done.headers["Location"] == "/manage/users"
    db_session.refresh(club.staff)
    assert club.staff.email == f"erased-{club.staff.id}@invalid"
    refused = client.post(f"/manage/people/{club.holder.id}/erase", follow_redirects=True)
    assert "still active" in refused.get_data(as_text=True)
    assert (
        client.get(f"/manage/people/{club.holder.id}/personal-data.json").get_json()["profile"][0][
            "id"
        ]
        == club.holder.id
    )
