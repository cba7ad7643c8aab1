"""Polish and Russian catalogues cover every user-facing string."""

from __future__ import annotations

import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

TRANSLATIONS = ROOT / "club" / "translations"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The messages in the code and templates, extracted once for both languages."""
    return _extract(tmp_path_factory.mktemp("extract"))


def _extract(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--ignore-dirs",
            ".* .venv",
            "--no-location",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        return read_po(handle)


@pytest.mark.xdist_group("translations")  # under xdist: one worker, one extraction
@pytest.mark.parametrize("language", ["pl", "ru"])
def test_catalogue_is_complete(source, language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    missing = []
    for message in source:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        strings = translated.string if translated else None
        empty = not all(strings) if isinstance(strings, (tuple, list)) else not strings
        # A plural message (ngettext) needs a plural entry: gettext looks a plural up by
        # its forms, so a singular entry with the same msgid is never found for it.
        wrong_kind = translated is not None and translated.pluralizable != message.pluralizable
        if translated is None or empty or translated.fuzzy or wrong_kind:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert missing == [], f"{language}: {len(missing)} strings untranslated, e.g. {missing[:5]}"
