"""Helpers shared by forms of every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from club.core.errors import ClubError

# Numbers as text inputs: a browser's number input refuses a decimal comma typed in
# another locale and changes its value when the page is scrolled over it.
NUMERIC = {"inputmode": "numeric"}


def strip(value):
    """A field filter: surrounding spaces are not part of what people meant."""
    return value.strip() if isinstance(value, str) else value


def show_error(form: FlaskForm, error: ClubError) -> None:
    """Put a domain error next to its field, or above the form when it has none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]
