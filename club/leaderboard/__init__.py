"""Leaderboards: people and companies by period, fed by rollups kept with the ledger."""

# The rollups start listening to the ledger as soon as anything of the leaderboard is
# imported (see listeners.py for why that is every process that posts, once).
from club.leaderboard import listeners  # noqa: F401
