"""Column names of the personal data page, in the reader's language (the JSON keeps
the keys)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "id": _l("Number"),
    "name": _l("Name"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "language": _l("Language"),
    "is_shown_on_boards": _l("Shown on leaderboards"),
    "is_active": _l("Active"),
    "created_at": _l("Created"),
    "last_login_at": _l("Last sign-in"),
    "country": _l("Country"),
    "tax_id": _l("Tax id"),
    "address": _l("Address"),
    "status": _l("Status"),
    "date": _l("Date"),
    "kind": _l("Kind"),
    "points": _l("Points"),
    "description": _l("Description"),
    "course": _l("Course"),
    "lesson": _l("Lesson"),
    "read_at": _l("Read"),
    "number": _l("Attempt"),
    "percent": _l("Score (%)"),
    "started_at": _l("Started"),
    "submitted_at": _l("Submitted"),
    "certificate_code": _l("Certificate code"),
    "passed_at": _l("Passed"),
    "privilege": _l("Privilege"),
    "answers": _l("Answers"),
    "delivery_address": _l("Delivery address"),
    "contact_phone": _l("Contact phone"),
    "note": _l("Note"),
    "meeting": _l("Meeting"),
    "starts_at": _l("Starts"),
    "checked_in_at": _l("Checked in"),
    "attendance": _l("Attendance"),
    "rating": _l("Rating"),
    "rating_comment": _l("Comment"),
    "period": _l("Period"),
    "document": _l("Document"),
    "version": _l("Version"),
    "accepted_at": _l("Accepted"),
    "ip_address": _l("IP address"),
    "user_agent": _l("Browser"),
    "prefix": _l("Beginning"),
    "scopes": _l("Scopes"),
    "last_used_at": _l("Last used"),
    "revoked_at": _l("Revoked"),
    "purpose": _l("Purpose"),
    "expires_at": _l("Expires"),
    "used_at": _l("Used"),
    "at": _l("When"),
    "action": _l("Action"),
    "by_you": _l("By you"),
    "before": _l("Before"),
    "after": _l("After"),
}


def label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key))
