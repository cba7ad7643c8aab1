"""Learning: product courses loaded from files, quizzes graded on the server, certificates."""

# Applicant staff's pending quiz points are confirmed when their company is admitted:
# the listener connects as soon as anything of learning is imported.
from club.learning import passes  # noqa: F401
