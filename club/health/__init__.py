"""Is the portal well: the database, the shared store and the scheduler's last runs."""
