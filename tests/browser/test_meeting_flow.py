"""A meeting from planning to points: the club manager publishes it with two seats,
three staff register (the third waits), one cancels, the third moves up and is e-mailed,
two are checked in, the meeting is closed and both earn its points."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from club.core.clock import utcnow
from club.events.models import Meeting
from club.extensions import db
from club.ledger.models import Entry
from club.members.models import User

PASSWORD = "club-demo-2026"
STAFF = ["pawel@ges-syn.example", "tomasz@zlotylew.example", "michal@zrodlo.example"]


def _signed_in(browser, live_server, email):
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/login'] button[type=submit]").click()
    return context, page


def test_publish_register_waitlist_move_up_check_in_close(
    browser, page, log_in, live_server, browser_app, mailbox, artifacts
):
    # The club manager (who reads Polish) plans the meeting: fields are found by name.
    log_in("manager@club.example")
    page.goto("/manage/meetings/new")
    start = (utcnow() + timedelta(days=9)).replace(hour=9, minute=0)
    page.locator("input[name=title]").fill("Śniadanie z zespołem: test przeglądarki")
    page.locator("select[name=format]").select_option("business_breakfast")
    page.locator("input[name=starts_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=ends_at]").fill(
        (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("textarea[name=place]").fill("ul. Marszałkowska 1, Warszawa")
    page.locator("input[name=capacity]").fill("2")
    page.locator("input[name=attendance_points]").fill("35")
    page.locator("input[name=speakers-0-name]").fill("Jan Kowalski")
    page.locator("input[name=speakers-0-role]").fill("Trener")
    page.locator("#meeting-form .actions__buttons button[type=submit]").click()
    page.locator("form[action$='/publish'] button").click()
    meeting_url = page.url.replace("/manage/meetings/", "/meetings/")
    meeting_id = int(meeting_url.rstrip("/").rsplit("/", 1)[1])
    page.screenshot(path=artifacts / "meeting-manage.png", full_page=True)

    # Three staff of three companies register; the third joins the waitlist.
    people = []
    for email in STAFF:
        context, member = _signed_in(browser, live_server, email)
        member.goto(f"/meetings/{meeting_id}")
        member.locator("form[action$='/register'] button").first.click()
        people.append((context, member))
    panel = lambda member: member.locator("#registration-panel")  # noqa: E731
    expect(panel(people[0][1])).to_have_attribute("data-status", "registered")
    expect(panel(people[1][1])).to_have_attribute("data-status", "registered")
    expect(panel(people[2][1])).to_have_attribute("data-status", "waitlisted")
    people[2][1].screenshot(path=artifacts / "meeting-waitlisted.png", full_page=True)

    # The first cancels: the seat goes to the third, who gets an e-mail.
    mailbox.clear()
    people[0][1].locator("form[action$='/cancel'] button").click()
    # The dialog (in Paweł's Polish) names what cancelling does; confirmed, htmx sends it.
    dialog = people[0][1].locator("#confirm-dialog")
    expect(dialog).to_contain_text("Paweł Gęś")
    dialog.locator("[data-confirm-go]").click()
    expect(panel(people[0][1])).to_have_attribute("data-status", "cancelled")
    people[2][1].reload()
    expect(panel(people[2][1])).to_have_attribute("data-status", "registered")
    assert [message["To"] for message in mailbox.messages] == [STAFF[2]]
    for context, _member in people:
        context.close()

    # At the meeting the manager checks the two people with a seat in, from the list.
    page.goto(f"/manage/meetings/{meeting_id}/check-in")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    for email in STAFF[1:]:
        with browser_app.app_context():
            name = db.session.scalar(select(User.name).where(User.email == email))
        row = page.locator(".check-in__row", has_text=name)
        row.locator("button").click()
        expect(row).to_have_class("check-in__row check-in__row--done")
    page.screenshot(path=artifacts / "meeting-check-in.png", full_page=True)

    # The meeting has taken place (time moves on), and the manager closes it.
    with browser_app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at = utcnow() - timedelta(hours=2)
        meeting.ends_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/manage/meetings/{meeting_id}")
    page.locator("form[action$='/close'] button").click()
    expect(page.locator(".badge--meeting-done").first).to_be_visible()

    with browser_app.app_context():
        earned = db.session.execute(
            select(User.email, Entry.amount)
            .join(User, Entry.person_id == User.id)
            .where(Entry.source_type == "meeting", Entry.source_id == str(meeting_id))
        ).all()
    assert sorted(earned) == sorted([(STAFF[1], 35), (STAFF[2], 35)])
