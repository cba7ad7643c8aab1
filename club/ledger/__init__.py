"""The points ledger: wallets, append-only entries, lots, allocations and holds."""
