"""Errors of the learning domain."""

from club.core.errors import ClubError


class LearningError(ClubError):
    pass


class CourseUnavailable(LearningError):
    status_code = 404


class AttemptRefused(LearningError):
    """Starting an attempt is not allowed now (used up, waiting time, already passed)."""

    status_code = 409


class InvalidAnswer(LearningError):
    """An answer that no honest form produces (unknown question, tampered option id) or
    a number that does not parse. Nothing is graded or written."""

    status_code = 422
