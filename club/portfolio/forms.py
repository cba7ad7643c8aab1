"""The health score's settings form: one whole number per setting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import TextInput

from club.core.forms import NUMERIC
from club.portfolio.settings import SETTINGS


class _SettingsForm(FlaskForm):
    submit = SubmitField(_l("Save settings"))


for _setting in SETTINGS:
    setattr(
        _SettingsForm,
        _setting.key,
        IntegerField(
            _setting.label,
            validators=[InputRequired(), NumberRange(min=_setting.low, max=_setting.high)],
            widget=TextInput(),
            render_kw={**NUMERIC, "maxlength": 8},
        ),
    )


def settings_form(values: dict[str, int]) -> FlaskForm:
    """The form, filled with the current values unless it was submitted."""
    form = _SettingsForm(data=values)
    return form
