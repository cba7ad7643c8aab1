"""Errors of club rules and consent."""

from club.core.errors import ClubError


class ConsentError(ClubError):
    pass


class RulesNotAccepted(ConsentError):
    """The company may not spend until its account holder accepts the current rules."""

    status_code = 403

    def __init__(self, message: str, *, version: int) -> None:
        super().__init__(message)
        # Added to the JSON API's error (club.api.edge), so a script can say which.
        self.details = {"rules_version": version}


class NotCurrentVersion(ConsentError):
    """Someone accepted a version that a newer one replaced while they were reading."""

    status_code = 409
