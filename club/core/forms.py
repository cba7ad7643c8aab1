"""Helpers shared by forms of every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from club.core.errors import ClubError


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
