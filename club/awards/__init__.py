"""Awards: the quarter's best partners with their diplomas, and membership certificates."""

# The certificate is issued when a company is admitted: the listener connects as soon as
# anything of awards is imported.
from club.awards import listeners  # noqa: F401
