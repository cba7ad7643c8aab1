"""Published documents for consent tests (a test database starts without any)."""

from __future__ import annotations

import pytest

from club.consent import services as consent
from club.consent.models import DocumentKind


def text(marker: str) -> consent.DocumentText:
    return consent.DocumentText(
        titles={lang: f"Rules {marker} {lang}" for lang in ("en", "pl", "ru")},
        bodies={lang: f"### Body {marker} {lang}\n\n**Bold** text." for lang in ("en", "pl", "ru")},
    )


@pytest.fixture
def published(db_session, club):
    """Version 1 of the rules and the privacy notice, as the migration publishes them."""
    consent.seed_first_versions(db_session)
    db_session.commit()
    return {kind: consent.current(db_session, kind) for kind in DocumentKind}


@pytest.fixture
def publish(db_session, club):
    def do(kind: DocumentKind, marker: str = "new"):
        document = consent.publish(db_session, kind, text(marker), actor=club.club_manager)
        db_session.commit()
        return document

    return do
