"""Helpers shared by forms of every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, SelectChoice

from club.core.errors import ClubError
from club.core.languages import LANGUAGES, club_language

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


# --- free text in each club language ----------------------------------------------------


def add_language_fields(form_class: type[FlaskForm], fields: dict[str, object]) -> None:
    """Give `form_class` a copy of each field for every language: `title_pl`, `title_ru`...

    `fields` maps a field's name to a function that makes its copy (unbound WTForms fields
    for one language). The plain fields (`title`) stay the club language's; the template
    shows only the other languages' copies (`_macros/languages.html`).
    """
    for language in LANGUAGES:
        for name, make in fields.items():
            setattr(form_class, f"{name}_{language}", make(language))


def fill_language_fields(form: FlaskForm, owner, names: tuple[str, ...]) -> None:
    """Show what `owner` (a `Translated` model) has: the club language in the plain fields,
    the other languages in theirs (nothing is made up for a missing language)."""
    for name in names:
        getattr(form, name).data = getattr(owner, f"base_{name}")
    for language in LANGUAGES:
        text = owner.text_in(language) or {}
        for name in names:
            getattr(form, f"{name}_{language}").data = text.get(name, "")


def language_texts(form: FlaskForm, names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The other languages' fields as `{"pl": {"title": ...}}` for the service."""
    club = club_language()
    return {
        language: {name: getattr(form, f"{name}_{language}").data or "" for name in names}
        for language in LANGUAGES
        if language != club
    }


# --- list editors: rows added and removed by buttons, without JavaScript ------------------

# The submit button of a list editor: "<field>:add" or "<field>:remove:<index>".
ROW_ACTION = "row_action"


def apply_row_action(form: FlaskForm, action: str | None) -> bool:
    """A list editor's Add or Remove button was pressed (`action`, from the request):
    add an empty row to, or take a row out of, the form's FieldList and say so. The page
    is then shown again with the rows as they are now; nothing is validated or saved."""
    if not action:
        return False
    name, _sep, verb = action.partition(":")
    rows = getattr(form, name, None)
    if not isinstance(rows, FieldList):
        return True  # a forged name: show the form again as it is
    if verb == "add":
        if rows.max_entries is None or len(rows.entries) < rows.max_entries:
            rows.append_entry()
    elif verb.startswith("remove:"):
        kept = [entry for entry in rows.entries if entry.short_name != verb.removeprefix("remove:")]
        rows.entries = kept
        if not kept and rows.min_entries:
            rows.append_entry()
    return True
