"""What meetings announce, for the features above them (the webhook outbox). Meetings
import none of the listeners: they connect to this.

Sent with the session as the sender, inside the transaction that changed the
registration, so what a listener writes commits or rolls back with it.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

registration_changed = _events.signal("registration-changed")
"""A registration was made (a seat or the waitlist), got a seat from the waitlist or was
cancelled. Keywords: `registration` (flushed, its status the new one), `now`."""

meeting_closed = _events.signal("meeting-closed")
"""A meeting was closed: its attendance is final. Keywords: `meeting`, `attended` (the
registrations marked attended), `now`."""
