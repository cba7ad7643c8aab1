"""Forms of club rules and consent."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from club.consent.services import MAX_BODY_LENGTH, MAX_TITLE_LENGTH
from club.core.forms import strip


class AcceptForm(FlaskForm):
    # The version the person read: a newer one published meanwhile is refused.
    version = IntegerField(
        widget=HiddenInput(), validators=[DataRequired(), NumberRange(1, 2**31 - 1)]
    )
    next = HiddenField()
    submit = SubmitField(_l("I have read and accept"))


def _title(label):
    return StringField(
        label, filters=[strip], validators=[DataRequired(), Length(max=MAX_TITLE_LENGTH)]
    )


def _body(label):
    return TextAreaField(
        label,
        filters=[strip],
        validators=[DataRequired(), Length(max=MAX_BODY_LENGTH)],
        render_kw={"rows": 14},
    )


class PublishForm(FlaskForm):
    title_en = _title(_l("Title (English)"))
    body_en = _body(_l("Text (English, Markdown)"))
    title_pl = _title(_l("Title (Polish)"))
    body_pl = _body(_l("Text (Polish, Markdown)"))
    title_ru = _title(_l("Title (Russian)"))
    body_ru = _body(_l("Text (Russian, Markdown)"))
    submit = SubmitField(_l("Publish as a new version"))
