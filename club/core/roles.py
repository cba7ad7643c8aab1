"""The four roles of the club (see DESIGN.md, "Who uses it")."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    PARTNER_STAFF = "partner_staff"
    ACCOUNT_HOLDER = "account_holder"
    ACCOUNT_MANAGER = "account_manager"
    CLUB_MANAGER = "club_manager"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def is_partner(self) -> bool:
        """Partner roles belong to a company; supplier roles do not."""
        return self in PARTNER_ROLES


ROLE_LABELS = {
    Role.PARTNER_STAFF: _l("Partner staff"),
    Role.ACCOUNT_HOLDER: _l("Account holder"),
    Role.ACCOUNT_MANAGER: _l("Account manager"),
    Role.CLUB_MANAGER: _l("Club manager"),
}

PARTNER_ROLES = frozenset({Role.PARTNER_STAFF, Role.ACCOUNT_HOLDER})
SUPPLIER_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.CLUB_MANAGER})
ALL_ROLES = frozenset(Role)
