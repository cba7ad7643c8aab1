"""Pages that exist only in development (the app registers them when not in production)."""
