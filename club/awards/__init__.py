"""Awards: the quarter's best partners with their diplomas, and membership certificates."""
