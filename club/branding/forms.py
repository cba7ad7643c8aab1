"""The club settings form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from club.branding.services import LOGO_MAX_BYTES, SettingsData
from club.core.forms import strip

COLOUR = [DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Write a colour as #rrggbb."))]


class SettingsForm(FlaskForm):
    name = StringField(_l("Club name"), [Optional(), Length(max=120)], [strip])
    primary_colour = StringField(_l("Main colour"), COLOUR, [strip], render_kw={"type": "color"})
    accent_colour = StringField(_l("Accent colour"), COLOUR, [strip], render_kw={"type": "color"})
    signatory_name = StringField(_l("Signed by"), [Optional(), Length(max=120)], [strip])
    signatory_title = StringField(
        _l("Signatory's position"), [Optional(), Length(max=120)], [strip]
    )
    logo = FileField(_l("Logo"), render_kw={"accept": "image/png,image/jpeg,image/webp"})
    remove_logo = BooleanField(_l("Remove the logo"))

    def settings_data(self) -> SettingsData:
        upload = self.logo.data
        logo = None
        if upload and getattr(upload, "filename", ""):
            # One byte more than allowed is enough to refuse it; the rest stays unread.
            logo = upload.stream.read(LOGO_MAX_BYTES + 1)
            upload.close()
        return SettingsData(
            name=self.name.data or "",
            primary_colour=self.primary_colour.data,
            accent_colour=self.accent_colour.data,
            signatory_name=self.signatory_name.data or "",
            signatory_title=self.signatory_title.data or "",
            logo=logo,
            remove_logo=self.remove_logo.data,
        )
