"""Outbound webhooks: the club tells integrators' systems what happened, signed.

The package sits above ledger, members, catalog and events and listens to their signals
(importing listeners connects them); none of them imports it."""

from club.webhooks import listeners  # noqa: F401
