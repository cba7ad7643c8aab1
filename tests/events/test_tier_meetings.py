"""A meeting for a tier admits that tier and above; others see it locked, with what
unlocks it."""

from __future__ import annotations

import pytest

from club.events import services
from club.events.errors import MeetingError
from club.members.tiers import ensure_default_tiers


def test_a_silver_meeting_admits_silver_and_gold_and_shows_the_lock_to_others(
    db_session, club, make_meeting, login_as
):
    ladder = {tier.code: tier for tier in ensure_default_tiers(db_session)}
    club.company.tier = ladder["gold"]
    db_session.commit()
    meeting = make_meeting(audience="tier", min_tier_id=ladder["silver"].id)
    assert services.may_register(db_session, meeting, club.company)
    assert not services.may_register(db_session, meeting, club.other_company)

    page = login_as(club.other_staff).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Silver and above" in page
    assert 'id="tier-locked"' in page


def test_a_tier_meeting_must_name_its_tier(db_session, club, make_meeting):
    with pytest.raises(MeetingError) as refused:
        make_meeting(audience="tier", min_tier_id=None)
    assert refused.value.field == "min_tier_id"
