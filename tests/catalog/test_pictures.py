"""Privilege pictures: too large, too many pixels (a decompression bomb), not a picture or
damaged is refused on the form with nothing written; what is kept is drawn anew, without
metadata and at a bounded size."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from club.audit.models import AuditEntry
from club.catalog import services as catalog
from club.catalog.errors import CatalogError
from club.catalog.models import Privilege
from club.catalog.pictures import STORED_MAX_SIDE
from club.config import ConfigError, load_config
from tests.conftest import login

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

# --- pictures made here ----------------------------------------------------------------


def picture(size=(64, 48), format="PNG", mode="RGB", noise=False, **save) -> bytes:
    image = Image.new(mode, size, (200, 30, 30, 128)[: len(mode)] if mode != "L" else 128)
    if noise:  # compresses badly, so cutting the file short loses pixels
        rng = random.Random(7)
        image = Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))
    out = io.BytesIO()
    image.save(out, format=format, **save)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG of a few hundred kilobytes that declares width × height black pixels
    (one bit each): decoded it would take 900 million pixels, gigabytes in memory."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte and the row's bits
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", compressed)
        + _chunk(b"IEND", b"")
    )


def _form_data(**extra):
    data = {
        "title": "Photo shoot",
        "category": "marketing",
        "points_cost": "800",
        "money_value": "1000",
        "currency": "PLN",
        "lead_time_days": "14",
        "sponsor_share_percent": "0",
        "brief": "",
    }
    data.update(extra)
    return data


def _upload(client, data: bytes, filename="shot.png", url="/manage/privileges/new", **fields):
    return client.post(
        url,
        content_type="multipart/form-data",
        data=_form_data(image=(io.BytesIO(data), filename), **fields),
    )


def _stored(app) -> set[str]:
    with app.app_context():
        return {path.name for path in catalog.image_folder().iterdir()}


def _error(response) -> str:
    body = response.get_data(as_text=True)
    assert 'class="field__error" id="image-error"' in body, body[-3000:]
    return body


def _kept(client, db_session) -> Image.Image:
    privilege = db_session.scalar(select(Privilege))
    served = client.get(f"/privileges/{privilege.slug}/image")
    assert served.status_code == 200
    data = served.data
    served.close()
    return Image.open(io.BytesIO(data))


# --- what is kept ----------------------------------------------------------------------


def test_a_picture_is_drawn_anew_without_its_metadata(client, club, db_session):
    """A JPEG from a camera: EXIF with a description and an orientation, larger than
    shown. It is kept upright, smaller, and without its EXIF."""
    exif = Image.Exif()
    exif[0x010E] = "Taken at the secret warehouse"  # ImageDescription
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    original = picture((3000, 2000), "JPEG", exif=exif.tobytes(), comment=b"private note")
    assert b"secret warehouse" in original
    login(client, club.club_manager)
    response = _upload(client, original, "camera.jpg")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    kept = _kept(client, db_session)
    assert kept.format == "JPEG"
    assert kept.size == (round(STORED_MAX_SIDE * 2000 / 3000), STORED_MAX_SIDE)  # upright
    assert not kept.getexif() and "comment" not in kept.info and "icc_profile" not in kept.info
    assert db_session.scalar(select(Privilege)).image.endswith(".jpg")


def test_a_transparent_picture_stays_a_png(client, club, db_session):
    login(client, club.club_manager)
    response = _upload(client, picture((40, 30), "WEBP", mode="RGBA", lossless=True), "a.webp")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    kept = _kept(client, db_session)
    assert kept.format == "PNG" and kept.mode == "RGBA" and kept.size == (40, 30)


# --- what is refused ---------------------------------------------------------------------


@pytest.mark.parametrize("size", [(30_000, 30_000), (5000, 5000)], ids=["bomb", "above-limit"])
def test_a_decompression_bomb_is_refused_and_nothing_is_written(client, club, db_session, size):
    """30,000 × 30,000 is over twice the limit: Pillow refuses it while reading the header.
    5,000 × 5,000 is over the limit of 4096 × 4096 but under twice it: our check does."""
    bomb = png_bomb(*size)
    assert len(bomb) < 200_000
    login(client, club.club_manager)
    before = _stored(client.application)
    response = _upload(client, bomb)
    assert response.status_code == 422
    assert "The picture has more than 16\u202f777\u202f216 pixels." in _error(response)
    assert db_session.scalar(select(Privilege)) is None
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert _stored(client.application) == before


def test_the_pixel_limit_comes_from_the_configuration(client, club, db_session, monkeypatch):
    monkeypatch.setitem(client.application.config, "IMAGE_MAX_PIXELS", 100 * 100)
    login(client, club.club_manager)
    response = _upload(client, picture((101, 100)))
    assert response.status_code == 422
    assert "The picture has more than 10\u202f000 pixels." in _error(response)
    assert _upload(client, picture((100, 100))).status_code == 302


def test_a_file_larger_than_the_limit_is_refused(client, club, db_session, monkeypatch):
    # A small limit: the test client writes larger uploads to files it never closes.
    monkeypatch.setitem(client.application.config, "IMAGE_MAX_BYTES", 100 * 1024)
    login(client, club.club_manager)
    before = _stored(client.application)
    response = _upload(client, picture((8, 8)) + b"\x00" * (100 * 1024))
    assert response.status_code == 422
    assert "The picture is larger than 0.1 MB." in _error(response)
    assert db_session.scalar(select(Privilege)) is None
    assert _stored(client.application) == before
    assert _upload(client, picture((8, 8)) + b"\x00" * (90 * 1024)).status_code == 302


def test_the_default_file_limit_is_5_mb(app_ctx, monkeypatch):
    with pytest.raises(CatalogError, match=r"The picture is larger than 5 MB\."):
        catalog.clean_picture(picture((8, 8)) + b"\x00" * (5 * 1024 * 1024))
    monkeypatch.setitem(app_ctx.config, "IMAGE_MAX_BYTES", 1536 * 1024)
    with pytest.raises(CatalogError, match=r"larger than 1\.5 MB\."):
        catalog.clean_picture(picture((8, 8)) + b"\x00" * (1536 * 1024))


@pytest.mark.parametrize(
    "data",
    [
        b"<svg onload=alert(1)>",
        b"%PDF-1.4 not a picture",
        picture((8, 8), "GIF"),  # a picture, but not one of the formats the form names
        b"\x89PNG\r\n\x1a\n picture",  # the signature alone was enough before
    ],
    ids=["svg", "pdf", "gif", "signature-only"],
)
def test_what_is_not_a_png_jpeg_or_webp_is_refused(client, club, db_session, data):
    login(client, club.club_manager)
    before = _stored(client.application)
    response = _upload(client, data)
    assert response.status_code == 422
    body = _error(response)
    assert (
        "Upload a PNG, JPEG or WebP picture." in body
        or "The picture is damaged or incomplete." in body
    )
    assert db_session.scalar(select(Privilege)) is None
    assert _stored(client.application) == before


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP"])
def test_a_picture_cut_short_is_refused(client, club, db_session, format):
    whole = picture((300, 200), format, noise=True)
    login(client, club.club_manager)
    before = _stored(client.application)
    response = _upload(client, whole[: len(whole) // 2])
    assert response.status_code == 422
    assert "The picture is damaged or incomplete." in _error(response)
    assert db_session.scalar(select(Privilege)) is None
    assert _stored(client.application) == before


def test_a_png_with_a_broken_checksum_is_refused(client, club, db_session):
    whole = bytearray(picture((30, 20), noise=True))
    whole[60] ^= 0xFF  # inside the image data: its CRC no longer matches
    login(client, club.club_manager)
    response = _upload(client, bytes(whole))
    assert response.status_code == 422
    assert "The picture is damaged or incomplete." in _error(response)


def test_a_refused_picture_leaves_the_privilege_as_it_was(client, club, db_session, make_privilege):
    privilege = make_privilege("Photo shoot", points=800)
    catalog.set_image(db_session, privilege, picture((20, 20)), actor=club.club_manager)
    db_session.commit()
    image = privilege.image
    login(client, club.club_manager)
    before = _stored(client.application)
    response = _upload(
        client, png_bomb(), url=f"/manage/privileges/{privilege.id}/edit", points_cost="999"
    )
    assert response.status_code == 422
    db_session.expire_all()
    kept = db_session.get(Privilege, privilege.id)
    assert kept.image == image and kept.points_cost == 800
    assert _stored(client.application) == before


def test_the_form_names_the_limit(client, club):
    login(client, club.club_manager)
    page = client.get("/manage/privileges/new").get_data(as_text=True)
    assert "Picture (PNG, JPEG or WebP, up to 5 MB)" in page


# --- configuration -----------------------------------------------------------------------


def test_image_limits_are_read_from_the_environment(tmp_path):
    defaults = load_config(tmp_path, {})
    assert defaults["IMAGE_MAX_PIXELS"] == 4096 * 4096
    assert defaults["IMAGE_MAX_BYTES"] == 5 * 1024 * 1024
    assert load_config(tmp_path, {"IMAGE_MAX_PIXELS": "2000X1000"})["IMAGE_MAX_PIXELS"] == 2e6
    assert load_config(tmp_path, {"IMAGE_MAX_PIXELS": "1000000"})["IMAGE_MAX_PIXELS"] == 10**6
    with pytest.raises(ConfigError, match="IMAGE_MAX_PIXELS"):
        load_config(tmp_path, {"IMAGE_MAX_PIXELS": "big"})
