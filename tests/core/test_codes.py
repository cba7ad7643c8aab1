"""Certificate codes, once: one format for every new code, every earlier format still
verifies, and one rate limit across the verify pages."""

from __future__ import annotations

import re

from club.awards import services as awards
from club.core import codes

NEW_CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{5}-[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{5}$")


def test_new_codes_have_one_readable_shape():
    issued = {codes.new_code() for _ in range(500)}
    assert len(issued) == 500
    for code in issued:
        assert NEW_CODE.match(code), code
        assert not set(code) & set("01OIL")
        assert codes.normalize_code(code) == code


def test_what_people_type_becomes_the_stored_code():
    # Today's shape, and both earlier ones: course certificates with L, diplomas 4-4-4.
    assert codes.normalize_code(" 7kq2m xw4pa ") == "7KQ2M-XW4PA"
    assert codes.normalize_code("lmnpq-rstll") == "LMNPQ-RSTLL"
    assert codes.normalize_code("wxyz 2345-6789") == "WXYZ-2345-6789"
    for typed in (None, "", "x", "7KQ2M-XW4P", "7KQ2M-XW4PA-B", "0000-0000-0000", "ÓŁÓWEK-ABCD"):
        assert codes.normalize_code(typed) is None, typed
    assert codes.as_typed("<script>alert(1)</script>") == "scriptalert1script"
    assert codes.as_typed("x" * 50) == "x" * 20


def test_diplomas_and_membership_certificates_issued_in_the_old_format_still_verify(
    client, db_session, club
):
    certificate = awards.issue_membership_certificate(db_session, club.company)
    assert NEW_CODE.match(certificate.code)
    certificate.code = "WXYZ-2345-6789"  # as issued before codes had one format
    db_session.commit()
    found = awards.verify_code(db_session, "wxyz 2345 6789")
    assert found is not None and found.company_name == club.company.name
    assert client.get("/awards/verify/WXYZ-2345-6789").status_code == 200
    typed = client.get("/awards/verify", query_string={"code": "wxyz-2345 6789"})
    assert typed.headers["Location"].endswith("/awards/verify/WXYZ-2345-6789")


def test_one_rate_limit_for_every_verify_page(client, app):
    pages = ("/awards/verify/7KQ2M-XW4PA", "/learning/verify/7KQ2M-XW4PA")
    limit = int(codes.VERIFY_LIMITS.split("/")[0])
    for number in range(limit):
        assert client.get(pages[number % 2]).status_code == 404
    for page in pages:
        assert client.get(page).status_code == 429
    elsewhere = client.get(pages[1], environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 404
