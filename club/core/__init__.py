"""Pieces every domain uses: errors, access rules, htmx helpers, the clock, mail."""
