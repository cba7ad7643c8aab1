"""A ticket from registering to the door: a member registers for the demo webinar (its
link appears without a reload), the ticket's QR code decodes on the page and in the PDF,
and the club manager's check-in page reads that code with its camera decoder.

QR codes are decoded by zxing-cpp (dev dependency) from a screenshot of the page's code
and from the image inside the PDF; the check-in page decodes with what it uses for the
camera (the browser's BarcodeDetector, else the vendored jsQR).
"""

from __future__ import annotations

import base64
import io
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import PASSWORD
from tests.browser.test_accessibility import axe_violations

MEMBER = "andrey@sevmontazh.example"  # reads Russian; no other browser test uses him
# The webinar has no Russian text: a Russian reader sees the club language's title.
WEBINAR = re.compile(r"^Webinar: DALI")
TICKET_LINK = re.compile(r"^http://127\.0\.0\.1:\d+/manage/meetings/tickets/[\w.-]+$")


def _decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def _sign_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/login'] button[type=submit]").click()


def test_ticket_qr_decodes_on_the_page_in_the_pdf_and_at_check_in(
    page, browser, live_server, artifacts
):
    _sign_in(page, MEMBER)
    page.goto("/meetings")
    page.get_by_role("link", name=WEBINAR).first.click()
    online = page.locator("#meeting-online")
    expect(online.locator("a")).to_have_count(0)
    page.evaluate("window.__noFullReload = true")
    page.locator("#registration-panel form[hx-post] button[type=submit]").first.click()
    expect(page.locator("#registration-panel")).to_have_attribute("data-status", "registered")
    # The webinar's link, shown only to people with a seat, came with the htmx answer.
    expect(online.locator("a")).to_have_attribute("href", re.compile(r"^https://meet\."))
    assert page.evaluate("window.__noFullReload") is True

    page.locator("#registration-panel a[href$='/ticket']").click()
    qr = page.locator(".ticket__qr svg")
    expect(qr).to_have_attribute("viewBox", re.compile(r"^0 0 \d+ \d+$"))
    page.screenshot(path=artifacts / "ticket-ru.png", full_page=True)
    assert axe_violations(page) == []
    (on_page,) = _decoded(Image.open(io.BytesIO(qr.screenshot())))
    assert TICKET_LINK.match(on_page), on_page

    pdf_link = page.locator("a[href$='/ticket.pdf']")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.body())).pages[0]
    (in_pdf,) = [text for image in pdf.images for text in _decoded(image.image)]
    assert in_pdf == on_page
    assert re.search(r"/meetings/registrations/\d+/calendar\.ics", pdf.extract_text())

    # On a phone the ticket fits, its code whole.
    page.set_viewport_size({"width": 375, "height": 740})
    page.screenshot(path=artifacts / "ticket-ru-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert qr.bounding_box()["width"] <= 375
    svg = qr.evaluate("(svg) => svg.outerHTML").replace(
        "<svg ", '<svg xmlns="http://www.w3.org/2000/svg" width="410" height="410" ', 1
    )

    # The club manager's check-in page reads the code with its camera decoder.
    context = browser.new_context(base_url=live_server, locale="pl-PL")
    manager = context.new_page()
    _sign_in(manager, "manager@club.example")
    manager.goto("/manage/meetings")
    manager.get_by_role("link", name=WEBINAR).first.click()
    manager.goto(manager.url.rstrip("/") + "/check-in")
    camera = manager.locator("#camera-check-in")
    expect(camera).to_be_visible()
    manager.screenshot(path=artifacts / "check-in-camera.png", full_page=True)
    assert axe_violations(manager) == []
    picture = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    decoded = manager.evaluate(
        """async (src) => {
          const image = new Image(410, 410);
          image.src = src;
          await image.decode();
          const text = await window.clubCheckIn.decode(image);
          return [text, window.clubCheckIn.ticketPath(text)];
        }""",
        picture,
    )
    assert decoded[0] == on_page and decoded[1].startswith("/manage/meetings/tickets/")
    manager.goto(decoded[1])
    expect(manager.locator(".ticket h1")).to_have_text("Андрей Волков")
    assert axe_violations(manager) == []
    context.close()
