"""Privilege pictures: an upload is checked, decoded and drawn anew before it is kept.

A file is refused when it is larger than IMAGE_MAX_BYTES, when it is not a PNG, JPEG or
WebP picture, when it declares more than IMAGE_MAX_PIXELS pixels (a decompression bomb:
a few kilobytes that would unpack into gigabytes; Pillow reads the size from the header
and refuses before it allocates anything), and when it is damaged or cut short. What is
kept is a new file drawn from the decoded pixels: at most STORED_MAX_SIDE pixels a side,
turned upright as the camera noted, without metadata (EXIF with its GPS position,
comments, colour profiles), as PNG when it has transparency and JPEG otherwise. Nothing
is written before every check has passed.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog.errors import CatalogError
from club.catalog.models import Privilege
from club.core.clock import utcnow
from club.core.formatting import points
from club.members.models import User

# The decoders a picture may go through: the ones the form names, no other.
FORMATS = ("PNG", "JPEG", "WEBP")
# Pictures are shown at most a few hundred pixels wide; this keeps sharp copies small.
STORED_MAX_SIDE = 1600
JPEG_QUALITY = 85
# What a decoder raises on a file that is damaged, cut short or lies about itself.
UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


def image_folder() -> Path:
    folder = Path(current_app.config["DATA_FOLDER"]) / "privilege-images"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_megabytes() -> str:
    """IMAGE_MAX_BYTES for people: 5 MB, 1,5 MB."""
    return format_decimal(current_app.config["IMAGE_MAX_BYTES"] / (1024 * 1024), format="#,##0.#")


def _too_many_pixels(limit: int) -> CatalogError:
    return CatalogError(
        _(
            "The picture has more than %(limit)s pixels. Make it smaller and upload it again.",
            limit=points(limit),
        ),
        field="image",
    )


def _unreadable() -> CatalogError:
    return CatalogError(
        _("The picture is damaged or incomplete. Save it again and upload the new file."),
        field="image",
    )


def _open(data: bytes, limit: int) -> Image.Image:
    """The picture, its header read: format and size known, no pixels decoded yet."""
    # Pillow refuses (DecompressionBombError) a picture of more than twice this many
    # pixels while reading the header, and warns above it (an error where warnings are
    # errors); the check below refuses anything above it.
    Image.MAX_IMAGE_PIXELS = limit
    try:
        picture = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(limit) from None
    except Image.UnidentifiedImageError:
        raise CatalogError(_("Upload a PNG, JPEG or WebP picture."), field="image") from None
    except UNREADABLE:
        raise _unreadable() from None
    width, height = picture.size
    if width * height > limit:
        raise _too_many_pixels(limit)
    if width < 1 or height < 1:
        raise _unreadable()
    return picture


def clean_picture(data: bytes) -> tuple[bytes, str]:
    """The picture drawn anew (bytes and file extension); CatalogError when refused."""
    config = current_app.config
    if len(data) > config["IMAGE_MAX_BYTES"]:
        raise CatalogError(
            _("The picture is larger than %(size)s MB.", size=max_megabytes()), field="image"
        )
    limit = config["IMAGE_MAX_PIXELS"]
    try:
        _open(data, limit).verify()  # checksums and structure, without decoding
        picture = _open(data, limit)
        picture.draft("RGB", (STORED_MAX_SIDE, STORED_MAX_SIDE))  # JPEG: decode scaled down
        picture.load()  # every pixel: a file cut short raises here
        picture = ImageOps.exif_transpose(picture)
        transparent = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
        picture = picture.convert("RGBA" if transparent else "RGB")
        picture.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE), Image.Resampling.LANCZOS)
        # A new image carries the pixels only: no EXIF, text chunks or colour profile.
        clean = Image.new(picture.mode, picture.size)
        clean.paste(picture)
        out = io.BytesIO()
        if transparent:
            clean.save(out, format="PNG", optimize=True)
            return out.getvalue(), "png"
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue(), "jpg"
    except Image.DecompressionBombError:
        raise _too_many_pixels(limit) from None
    except UNREADABLE:
        raise _unreadable() from None


def set_image(
    session: Session, privilege: Privilege, data: bytes, *, actor: User, now: datetime | None = None
) -> str:
    """Check the uploaded picture, store it drawn anew and name it on the privilege;
    returns the stored file name. A refused picture writes nothing."""
    picture, extension = clean_picture(data)
    name = f"{privilege.id}-{hashlib.sha256(picture).hexdigest()[:16]}.{extension}"
    (image_folder() / name).write_bytes(picture)
    before = privilege.image
    privilege.image = name
    privilege.updated_at = now or utcnow()
    session.flush()
    audit.record(
        session,
        "privilege.image_set",
        privilege,
        actor=actor,
        before={"image": before},
        after={"image": name},
        now=now,
    )
    return name
