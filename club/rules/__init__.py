"""Earning rules and campaigns: one engine that turns reported facts into points."""

from club.rules import referrals  # noqa: F401  (listens to members' admissions)
