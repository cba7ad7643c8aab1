"""What the catalogue announces, for the features above it (the satisfaction question).
The catalogue imports none of the listeners: they connect to this.

Sent with the session as the sender, inside the transaction that changed the redemption,
so what a listener writes commits or rolls back with it.
"""

from __future__ import annotations

from blinker import Namespace

_catalog = Namespace()

redemption_fulfilled = _catalog.signal("redemption-fulfilled")
"""A redemption was fulfilled (shipped, served, its code assigned). Keywords:
`redemption` (flushed, its status FULFILLED), `now`."""
