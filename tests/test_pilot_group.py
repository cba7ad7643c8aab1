"""The pilot group: pilot-only privileges and meetings are for pilot companies alone;
partners outside it neither see nor take them."""

from __future__ import annotations

import pytest

from club.catalog import services as catalog
from club.catalog.errors import PrivilegeUnavailable
from club.events import services as events
from club.events.errors import RegistrationRefused
from tests.events.conftest import meeting_data


@pytest.fixture
def pilot(db_session, club):
    """The first company is in the pilot group, the other is not."""
    club.company.is_pilot = True
    db_session.commit()
    return club.company


def test_a_pilot_only_privilege_is_redeemed_by_the_pilot_group_alone(
    db_session, club, pilot, funded, make_privilege
):
    privilege = make_privilege(points=100, is_pilot_only=True)
    assert privilege.is_pilot_only
    with pytest.raises(PrivilegeUnavailable, match="pilot"):
        catalog.redeem(db_session, privilege, actor=club.other_holder, answers={})
    assert catalog.redeem(db_session, privilege, actor=club.holder, answers={}).points == 100


def test_partners_outside_the_pilot_do_not_see_pilot_only_privileges(
    client, club, pilot, login_as, make_privilege
):
    privilege = make_privilege("Pilot SEO audit", points=100, is_pilot_only=True)
    login_as(club.other_staff)
    assert "Pilot SEO audit" not in client.get("/privileges").get_data(as_text=True)
    assert client.get(f"/privileges/{privilege.slug}").status_code == 404
    client.post("/logout")
    login_as(club.staff)
    assert "Pilot SEO audit" in client.get("/privileges").get_data(as_text=True)
    assert client.get(f"/privileges/{privilege.slug}").status_code == 200


def test_a_pilot_only_meeting_admits_pilot_companies_only(
    db_session, club, pilot, client, login_as
):
    meeting = events.save_meeting(
        db_session, None, meeting_data(is_pilot_only=True), actor=club.club_manager
    )
    events.publish(db_session, meeting, actor=club.club_manager)
    db_session.commit()
    assert events.may_register(db_session, meeting, club.company)
    assert not events.may_register(db_session, meeting, club.other_company)
    with pytest.raises(RegistrationRefused):
        events.register(db_session, meeting, club.other_staff, actor=club.other_staff)
    assert events.register(db_session, meeting, club.staff, actor=club.staff).id
    db_session.commit()
    login_as(club.other_staff)
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert meeting.title not in client.get("/meetings").get_data(as_text=True)
