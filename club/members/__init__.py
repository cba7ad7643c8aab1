"""Partner companies, the people in them, the supplier's staff, and signing in."""
