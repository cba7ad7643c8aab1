"""Earning rules and campaigns: one engine that turns reported facts into points."""
