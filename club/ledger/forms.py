"""Forms of the ledger."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange


class AdjustForm(FlaskForm):
    points = IntegerField(
        _l("Points (+ to add, - to take away)"),
        validators=[DataRequired(), NumberRange(min=-1_000_000, max=1_000_000)],
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Record the correction"))
