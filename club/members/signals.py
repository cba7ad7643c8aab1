"""What members announce, for the features above them (awards issue the membership
certificate, learning confirms applicant staff's pending quiz points). Members import
none of the listeners: they connect to these.

Sent with the session as the sender, inside the transaction that admitted the company,
so what a listener writes commits or rolls back with the admission.
"""

from __future__ import annotations

from blinker import Namespace

_members = Namespace()

company_admitted = _members.signal("company-admitted")
"""An applicant became a member. Keywords: `company`, `actor` (None: the club's job),
`now`."""
