"""The club's name, logo, colours and signatory: read for every page, mail and PDF, and
changed by the club manager."""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from PIL import Image
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.branding.models import DEFAULT_ACCENT, DEFAULT_PRIMARY, ClubSettings
from club.core.clock import utcnow
from club.core.errors import ClubError
from club.core.pdf import PdfBrand
from club.members.models import User

LOGO_MAX_BYTES = 512 * 1024  # as uploaded
LOGO_MAX_PIXELS = 4096 * 4096  # declared by the file, checked before decoding
LOGO_SIDE = 600  # kept at most this many pixels a side
LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)
_HEX = re.compile(r"^#[0-9a-f]{6}$")
_WHITE = "#ffffff"
_INK = "#1f2430"  # static/css/club.css --ink: the text on the accent colour
MIN_CONTRAST = 4.5  # WCAG AA for text


class BrandingError(ClubError):
    status_code = 422


@dataclass(frozen=True)
class Brand:
    """What pages, mails and PDFs show of the club."""

    name: str  # empty: the portal's own name ("Club", translated)
    primary: str
    accent: str
    signatory_name: str
    signatory_title: str
    logo_png: bytes | None
    version: int  # changes with every save: cache-busting for /club.css and the logo

    @property
    def has_logo(self) -> bool:
        return self.logo_png is not None

    @property
    def primary_dark(self) -> str:
        return _mix(self.primary, "#000000", 0.3)

    @property
    def primary_rgb(self) -> tuple[int, int, int]:
        return _rgb(self.primary)


DEFAULT = Brand("", DEFAULT_PRIMARY, DEFAULT_ACCENT, "", "", None, 0)


def brand(session: Session) -> Brand:
    """The club's settings, or the portal's defaults until the club manager saves some."""
    row = session.get(ClubSettings, 1)
    if row is None:
        return DEFAULT
    return Brand(
        name=row.name,
        primary=row.primary_colour,
        accent=row.accent_colour,
        signatory_name=row.signatory_name,
        signatory_title=row.signatory_title,
        logo_png=row.logo_png,
        version=int(row.updated_at.timestamp()),
    )


def pdf_brand(session: Session, default_name: str) -> PdfBrand:
    """The club as diplomas and certificates show it; `default_name` (translated "Club")
    when the club has not named itself."""
    current = brand(session)
    return PdfBrand(
        name=current.name or default_name,
        primary=_rgb(current.primary),
        accent=_rgb(current.accent),
        logo_png=current.logo_png,
        signatory_name=current.signatory_name,
        signatory_title=current.signatory_title,
    )


def styles(current: Brand) -> str:
    """The colours as the custom properties static/css/club.css uses (no inline style)."""
    return (
        ":root {\n"
        f"  --navy: {current.primary};\n"
        f"  --navy-dark: {current.primary_dark};\n"
        f"  --gold: {current.accent};\n"
        "}\n"
    )


@dataclass
class SettingsData:
    name: str
    primary_colour: str
    accent_colour: str
    signatory_name: str
    signatory_title: str
    logo: bytes | None = None  # a new upload
    remove_logo: bool = False


def save_settings(
    session: Session, data: SettingsData, *, actor: User, now: datetime | None = None
) -> ClubSettings:
    """Check and keep the settings; a refused colour or logo writes nothing."""
    primary = data.primary_colour.strip().lower()
    accent = data.accent_colour.strip().lower()
    for field, colour in (("primary_colour", primary), ("accent_colour", accent)):
        if not _HEX.match(colour):
            raise BrandingError(_("Write a colour as #rrggbb, e.g. #1d4e89."), field=field)
    if contrast(primary, _WHITE) < MIN_CONTRAST:
        raise BrandingError(
            _("The main colour is too light: white text on it would be hard to read."),
            field="primary_colour",
        )
    if contrast(accent, _INK) < MIN_CONTRAST:
        raise BrandingError(
            _("The accent colour is too dark: dark text on it would be hard to read."),
            field="accent_colour",
        )
    if len(data.name) > 120 or len(data.signatory_name) > 120 or len(data.signatory_title) > 120:
        raise BrandingError(_("At most %(num)d characters.", num=120))
    logo = clean_logo(data.logo) if data.logo else None
    row = session.get(ClubSettings, 1)
    creating = row is None
    if creating:
        row = ClubSettings(id=1)
        session.add(row)
    before = None if creating else _audited(row)
    row.name = data.name.strip()
    row.primary_colour = primary
    row.accent_colour = accent
    row.signatory_name = data.signatory_name.strip()
    row.signatory_title = data.signatory_title.strip()
    if logo is not None:
        row.logo_png = logo
    elif data.remove_logo:
        row.logo_png = None
    row.updated_at = now or utcnow()
    session.flush()
    audit.record(
        session, "club.settings_changed", row, actor=actor, before=before, after=_audited(row)
    )
    return row


def _audited(row: ClubSettings) -> dict:
    return {
        "name": row.name,
        "primary_colour": row.primary_colour,
        "accent_colour": row.accent_colour,
        "signatory_name": row.signatory_name,
        "signatory_title": row.signatory_title,
        "logo": f"{len(row.logo_png)} bytes" if row.logo_png else "",
    }


def clean_logo(data: bytes) -> bytes:
    """The uploaded logo drawn anew as PNG: at most LOGO_SIDE pixels a side, pixels only
    (no metadata, no script: SVG is not accepted). BrandingError when refused."""
    if len(data) > LOGO_MAX_BYTES:
        raise BrandingError(_("The logo is larger than 512 KB."), field="logo")
    Image.MAX_IMAGE_PIXELS = LOGO_MAX_PIXELS
    try:
        Image.open(io.BytesIO(data), formats=LOGO_FORMATS).verify()
        picture = Image.open(io.BytesIO(data), formats=LOGO_FORMATS)
        width, height = picture.size
        if width * height > LOGO_MAX_PIXELS or width < 1 or height < 1:
            raise BrandingError(_("The logo has too many pixels."), field="logo")
        picture.load()
        picture = picture.convert("RGBA")
        picture.thumbnail((LOGO_SIDE, LOGO_SIDE), Image.Resampling.LANCZOS)
        clean = Image.new("RGBA", picture.size)
        clean.paste(picture)
        out = io.BytesIO()
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue()
    except Image.UnidentifiedImageError:
        raise BrandingError(
            _("Upload the logo as a PNG, JPEG or WebP picture."), field="logo"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BrandingError(_("The logo has too many pixels."), field="logo") from None
    except _UNREADABLE:
        raise BrandingError(
            _("The logo is damaged or incomplete. Save it again and upload the new file."),
            field="logo",
        ) from None


# --- colour arithmetic (WCAG 2.x relative luminance) ---------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value) for value in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mix(colour: str, other: str, share: float) -> str:
    mixed = (
        round(a * (1 - share) + b * share) for a, b in zip(_rgb(colour), _rgb(other), strict=True)
    )
    return "#" + "".join(f"{value:02x}" for value in mixed)
