"""The list editors of issue 19 in Chromium on a phone, in English, Polish and Russian: a
speaker's role and bio and a brief's question in each club language (folded under their
row), a good's variants as rows added by htmx; and a speaker's role on the meeting page,
marked where it is shown in the club language. Screenshots in tests/artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from club.catalog.models import Privilege, PrivilegeKind
from club.core.roles import Role
from club.events.models import Meeting, MeetingStatus, Speaker
from club.extensions import db
from club.members.models import User
from club.members.passwords import hash_password
from tests.browser.conftest import PASSWORD
from tests.browser.test_friction import PHONE, _sign_in

MANAGER = "editors.manager@club.example"  # signed in by no other test (the sign-in limit)


def _prepare(browser_app) -> dict[str, int]:
    """The manager of this test, and the demo's draft meeting, published academy (whose
    speaker is not translated into Russian), a privilege with a brief and a good."""
    with browser_app.app_context():
        if db.session.scalar(select(User.id).where(User.email == MANAGER)) is None:
            db.session.add(
                User(
                    email=MANAGER,
                    name="Editors Manager",
                    role=Role.CLUB_MANAGER,
                    language="en",
                    password_hash=hash_password(PASSWORD),
                )
            )
            db.session.commit()
        ids = {
            "draft": db.session.scalar(
                select(Meeting.id).where(Meeting.status == MeetingStatus.DRAFT).limit(1)
            ),
            "academy": db.session.scalar(
                select(Speaker.meeting_id).where(Speaker.name == "Anna Nowak").limit(1)
            ),
            "briefed": db.session.scalar(select(Privilege.id).where(Privilege.slug == "proposal"))
            or next(
                p.id
                for p in db.session.scalars(select(Privilege).order_by(Privilege.id))
                if p.brief
            ),
            "good": db.session.scalar(
                select(Privilege.id).where(Privilege.kind == PrivilegeKind.GOOD).limit(1)
            ),
        }
        db.session.remove()
    return ids


def _speak(browser_app, language: str) -> None:
    with browser_app.app_context():
        db.session.execute(db.update(User).where(User.email == MANAGER).values(language=language))
        db.session.commit()
        db.session.remove()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("context_options", [PHONE], ids=["phone"])
def test_the_list_editors_in_three_languages_on_a_phone(page, browser_app, artifacts):
    ids = _prepare(browser_app)
    _sign_in(page, MANAGER)
    # The demo club writes in Polish; the academy's speaker is not translated into Russian.
    for language, other, marker in (
        ("en", "ru", None),
        ("pl", "en", None),
        ("ru", "en", "показано на языке: польский"),
    ):
        _speak(browser_app, language)

        page.goto(f"/manage/meetings/{ids['draft']}/edit")
        speakers = page.locator("#speakers-editor")
        # Each other language is folded under the speaker, open where it has a text.
        expect(speakers.locator("details[data-language]")).to_have_count(4)  # 2 speakers
        expect(speakers.locator("details[open]")).to_have_count(4)  # the demo has all
        expect(speakers.locator(f"input[name='speakers-0-role_{other}']")).not_to_have_value("")
        _fits(page)
        speakers.screenshot(path=artifacts / f"editors-speakers-{language}.png")

        page.goto(f"/manage/privileges/{ids['briefed']}/edit")
        brief = page.locator("#brief-editor")
        expect(brief.locator("details[data-language]").first).to_be_visible()
        _fits(page)
        brief.screenshot(path=artifacts / f"editors-brief-{language}.png")

        page.goto(f"/manage/privileges/{ids['good']}/edit")
        page.evaluate("window.__noFullReload = true")
        variants = page.locator("#variants-editor")
        rows = variants.locator(".row-editor__row").count()
        variants.locator("button[value='variants:add']").click()
        expect(page.locator("#variants-editor .row-editor__row")).to_have_count(rows + 1)
        assert page.evaluate("window.__noFullReload") is True  # htmx swapped only the editor
        _fits(page)
        page.locator("#variants-editor").screenshot(
            path=artifacts / f"editors-variants-{language}.png"
        )

        # The academy's speaker in the reader's language, else in Polish, marked.
        page.goto(f"/meetings/{ids['academy']}")
        speaker = page.locator(".speakers li").first
        expect(speaker).to_contain_text("Anna Nowak")
        if marker:
            expect(speaker.locator(".lang-marker")).to_have_text(marker)
        else:
            expect(speaker.locator(".lang-marker")).to_have_count(0)
        _fits(page)
        speaker.screenshot(path=artifacts / f"editors-speaker-page-{language}.png")

    # On a desktop a row's fields share a line; each language's block spans the row.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/manage/meetings/{ids['draft']}/edit")
    speakers = page.locator("#speakers-editor")
    name, role = (speakers.locator(f"input[name='speakers-0-{n}']") for n in ("name", "role"))
    assert name.bounding_box()["y"] == role.bounding_box()["y"]
    _fits(page)
    speakers.screenshot(path=artifacts / "editors-speakers-desktop-ru.png")
