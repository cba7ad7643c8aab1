"""Content in each club language, and which one a viewer is shown.

Privileges, meetings and earning rules carry their text in each language of the club
(`LANGUAGES`). A viewer reads it in their own language; where that text is missing, in
the club's language (`CLUB_LANGUAGE`), marked "shown in Polish" so nobody wonders why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from babel import Locale
from flask import current_app, has_app_context, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.ext.hybrid import hybrid_property

from club.core.errors import ClubError

LANGUAGES = ("en", "pl", "ru")
DEFAULT_CLUB_LANGUAGE = "pl"  # as club/config.py reads CLUB_LANGUAGE


class HasLanguage(Protocol):
    language: str


def club_language() -> str:
    """The language the club writes in first: every text exists in it."""
    if has_app_context():
        return current_app.config.get("CLUB_LANGUAGE", DEFAULT_CLUB_LANGUAGE)
    return DEFAULT_CLUB_LANGUAGE


def viewer_language() -> str:
    """The language of this request (the person's, Accept-Language in the API, the
    recipient's while a mail is rendered); the club's language outside any request."""
    if has_request_context():
        locale = get_locale()
        if locale is not None and locale.language in LANGUAGES:
            return locale.language
    return club_language()


def language_name(language: str, in_language: str | None = None) -> str:
    """`pl` as the viewer says it: "Polish", "polski", "польский"."""
    return Locale.parse(language).get_display_name(in_language or viewer_language()) or language


T = TypeVar("T", bound=HasLanguage)


def pick(texts: Iterable[T], wanted: str, default: str) -> T | None:
    """The text in `wanted`, else in `default`, else any (the first given); None if none."""
    by_language = {text.language: text for text in texts}
    return (
        by_language.get(wanted)
        or by_language.get(default)
        or next(iter(by_language.values()), None)
    )


@dataclass(frozen=True)
class Shown:
    """What a viewer reads of a text, and in which language."""

    language: str
    wanted: str

    @property
    def is_fallback(self) -> bool:
        return self.language != self.wanted

    @property
    def marker(self) -> str:
        """ "shown in Polish" when the viewer's language was missing; empty otherwise."""
        if not self.is_fallback:
            return ""
        return _("shown in %(language)s", language=language_name(self.language, self.wanted))


@dataclass(frozen=True)
class Localized:
    """The fields of one text as a viewer reads them (`.title`, `.description`), and
    `.shown`: the language they are in, and the marker when it is not the viewer's."""

    values: Mapping[str, str]
    shown: Shown

    def __getattr__(self, name: str) -> str:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


class Translated:
    """A model whose free text exists in each club language.

    The rows of `texts` (one per language) hold `TEXT_FIELDS`; the columns `base_<field>`
    repeat the club language's text, for searching, sorting, reports and the audit log.
    Reading `obj.title` gives the viewer's language (see `localized`); in a query,
    `Model.title` is the base column.
    """

    TEXT_FIELDS: tuple[str, ...] = ()
    # The field a language's text cannot be without; None: a text with any field is kept.
    TEXT_REQUIRED: str | None = "title"
    texts: Any

    @property
    def localized(self) -> Localized:
        wanted, default = viewer_language(), club_language()
        text = pick(self.texts, wanted, default)
        if text is None:  # not yet flushed, or written before any text row
            values = {name: getattr(self, f"base_{name}") or "" for name in self.TEXT_FIELDS}
            return Localized(values, Shown(default, wanted))
        values = {name: getattr(text, name) or "" for name in self.TEXT_FIELDS}
        return Localized(values, Shown(text.language, wanted))

    def text_in(self, language: str) -> dict[str, str] | None:
        """The fields written in `language` exactly (no fallback); None if none."""
        for text in self.texts:
            if text.language == language:
                return {name: getattr(text, name) or "" for name in self.TEXT_FIELDS}
        return None


def translated(field: str) -> hybrid_property:
    """`obj.<field>` reads the viewer's language; setting it sets the club language's
    text (`base_<field>`); `Model.<field>` in a query is the base column."""
    base = f"base_{field}"

    def read(self):
        return getattr(self.localized, field)

    def write(self, value):
        setattr(self, base, value)

    def column(cls):
        return getattr(cls, base)

    return hybrid_property(read, write, expr=column)


def write_texts(
    owner: Translated, text_class: type, texts: Mapping[str, Mapping[str, str]] | None
) -> None:
    """Keep `owner.texts` as given: the club language's row follows the base columns;
    each other language is written when it has a title (`TEXT_REQUIRED`; without one,
    any field) and removed when it has none. `texts=None` leaves the other languages
    alone."""
    default = club_language()
    wanted = {default: {name: getattr(owner, f"base_{name}") or "" for name in owner.TEXT_FIELDS}}
    for language, values in (texts or {}).items():
        if language != default and language in LANGUAGES:
            wanted[language] = {name: (values.get(name) or "") for name in owner.TEXT_FIELDS}
    rows = {text.language: text for text in owner.texts}
    required = owner.TEXT_REQUIRED
    for language, values in wanted.items():
        if not (values.get(required) if required else any(values.values())):
            if language in rows and texts is not None:
                owner.texts.remove(rows[language])
            continue
        row = rows.get(language)
        if row is None:
            owner.texts.append(text_class(language=language, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)


def checked_texts(
    texts: Mapping[str, Mapping[str, object]],
    limits: Mapping[str, int],
    *,
    title_needed: bool = True,
) -> dict[str, dict[str, str]]:
    """Each language's fields, stripped and within `limits` (the first field, the title,
    is needed once a language has any text, unless `title_needed` is False)."""
    title = next(iter(limits))
    checked: dict[str, dict[str, str]] = {}
    for language, values in texts.items():
        if language not in LANGUAGES:
            raise ClubError(_("The portal has no such language."), field="texts")
        row = {name: str(values.get(name) or "").strip() for name in limits}
        for name, limit in limits.items():
            if len(row[name]) > limit:
                raise ClubError(
                    _("At most %(num)d characters.", num=limit), field=f"{name}_{language}"
                )
        if title_needed and any(row.values()) and not row[title]:
            raise ClubError(
                _("Give a title in this language too, or leave it empty."),
                field=f"{title}_{language}",
            )
        checked[language] = row
    return checked


def in_viewer_language(by_language: Mapping[str, str]) -> tuple[str, Shown]:
    """One short text kept as `{"pl": ..., "en": ...}` (a brief question's label): the
    viewer's, else the club's, else any; with the language it is shown in."""
    wanted, default = viewer_language(), club_language()
    for language in (wanted, default, *sorted(by_language)):
        if by_language.get(language):
            return by_language[language], Shown(language, wanted)
    return "", Shown(wanted, wanted)


def with_marker(text: str, shown: Shown) -> Markup:
    """`text` for a page; when it is not in the viewer's language, in a span that says its
    language, followed by the "shown in Polish" marker (as `_macros/languages.html`)."""
    if not shown.is_fallback:
        return escape(text)
    return Markup(
        '<span lang="{language}">{text}</span>'
        ' <span class="lang-marker" data-language="{language}">{marker}</span>'
    ).format(language=shown.language, text=text, marker=shown.marker)


def texts_text(owner: Translated) -> str:
    """What the audit log keeps of the other languages' texts."""
    return "; ".join(
        f"{text.language}: " + " | ".join(getattr(text, name) for name in owner.TEXT_FIELDS)
        for text in owner.texts
        if text.language != club_language()
    )


def column_in(owner: object, field: str, language: str) -> str:
    """For models that keep one column a language (`name_en`, `name_pl`, `name_ru`): the
    text in `language`, else in the club's language, else in any, as `pick` chooses."""
    for candidate in (language, club_language(), *LANGUAGES):
        value = getattr(owner, f"{field}_{candidate}", None)
        if value:
            return value
    return ""
