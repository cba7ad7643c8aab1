"""The satisfaction card's answer, a potential's entry, and the potentials import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from club.catalog.manage_forms import DECIMAL, MoneyField
from club.core.forms import NUMERIC, choices, strip
from club.satisfaction.models import MAX_COMMENT, MAX_YEAR, MIN_YEAR


class AnswerForm(FlaskForm):
    score = RadioField(
        _l("How likely are you to recommend the club to a colleague? (0 = not at all, 10 = very)"),
        coerce=int,
        choices=choices((value, str(value)) for value in range(11)),
        validators=[InputRequired(message=_l("Choose a score from 0 to 10."))],
    )
    comment = TextAreaField(
        _l("What is the main reason for your score? (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=MAX_COMMENT)],
        render_kw={"rows": 3, "maxlength": MAX_COMMENT},
    )
    submit = SubmitField(_l("Send"))


class DismissForm(FlaskForm):
    submit = SubmitField(_l("Not now"))


class PotentialForm(FlaskForm):
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(), NumberRange(min=MIN_YEAR, max=MAX_YEAR)],
        render_kw=NUMERIC,
    )
    currency = StringField(
        _l("Currency (ISO code)"),
        filters=[strip],
        validators=[InputRequired(), Length(min=3, max=3)],
        render_kw={"maxlength": 3, "autocapitalize": "characters", "size": 4},
    )
    amount = MoneyField(
        _l("Estimated purchases in the year"), validators=[InputRequired()], render_kw=DECIMAL
    )
    submit = SubmitField(_l("Save the estimate"))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))
