"""Errors of the catalogue."""

from club.core.errors import ClubError


class CatalogError(ClubError):
    pass


class PrivilegeUnavailable(CatalogError):
    status_code = 409


class CapacityReached(CatalogError):
    status_code = 409


class BriefIncomplete(CatalogError):
    status_code = 422

    def __init__(self, message: str, problems: dict[str, str]) -> None:
        super().__init__(message)
        self.problems = problems


class InvalidTransition(CatalogError):
    status_code = 409


class AlreadyProposed(CatalogError):
    status_code = 409
