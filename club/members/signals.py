"""What members announce, for the features above them (awards issue the membership
certificate, learning confirms applicant staff's pending quiz points). Members import
none of the listeners: they connect to these.

Sent with the session as the sender, inside the transaction that admitted the company,
so what a listener writes commits or rolls back with the admission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from blinker import Namespace

_members = Namespace()


@dataclass(frozen=True)
class TierMove:
    """One company's tier change: tier ids (None: it held none) and why."""

    company_id: int
    from_tier_id: int | None
    to_tier_id: int | None
    reason: str
    starts_on: date


company_admitted = _members.signal("company-admitted")
"""An applicant became a member. Keywords: `company`, `actor` (None: the club's job),
`now`."""

tiers_changed = _members.signal("tiers-changed")
"""Companies moved to another tier (requalification, or the club manager). Keywords:
`changes`, a list of TierMove; `now`."""
