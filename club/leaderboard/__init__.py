"""Leaderboards: people and companies by period, fed by rollups kept with the ledger."""
