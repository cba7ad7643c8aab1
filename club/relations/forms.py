"""Forms of the relations domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from club.core.forms import NUMERIC, choices, strip
from club.purchases.csv_encoding import ENCODINGS
from club.relations.bonus import MAX_BUDGET_POINTS, MAX_REASON_LENGTH
from club.relations.contacts import MAX_NEXT_STEP_LENGTH, MAX_NOTE_LENGTH
from club.relations.csv_import import FileKind
from club.relations.models import ContactKind

KIND_LABELS = {
    ContactKind.CALL: _l("Phone call"),
    ContactKind.VISIT: _l("On-site visit"),
    ContactKind.MAIL: _l("E-mail"),
    ContactKind.NOTE: _l("Note"),
}
FILE_KIND_LABELS = {
    FileKind.COMPLAINTS: _l("Complaints"),
    FileKind.CONTRACTS: _l("Contracts"),
}


class ContactForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=choices((kind.value, label) for kind, label in KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    happened_on = DateField(_l("Date"), validators=[DataRequired()])
    note = TextAreaField(
        _l("Note"),
        filters=[strip],
        validators=[DataRequired(), Length(max=MAX_NOTE_LENGTH)],
        render_kw={"rows": 4},
    )
    next_step = StringField(
        _l("Next step"), filters=[strip], validators=[Optional(), Length(max=MAX_NEXT_STEP_LENGTH)]
    )
    next_step_due = DateField(_l("Due"), validators=[Optional()])
    submit = SubmitField(_l("Log the contact"))


class GrantForm(FlaskForm):
    points = IntegerField(
        _l("Points"),
        validators=[DataRequired(), NumberRange(min=1, max=MAX_BUDGET_POINTS)],
        render_kw=NUMERIC,
    )
    reason = StringField(
        _l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=MAX_REASON_LENGTH)]
    )
    person = SelectField(_l("Person (optional)"), coerce=str, default="")
    submit = SubmitField(_l("Grant the bonus"))


class BudgetForm(FlaskForm):
    account_manager = SelectField(_l("Account manager"), coerce=str, validators=[DataRequired()])
    quarter = SelectField(_l("Quarter"), coerce=str, validators=[DataRequired()])
    points = IntegerField(
        _l("Budget in points"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_BUDGET_POINTS)],
        render_kw=NUMERIC,
    )
    submit = SubmitField(_l("Set the budget"))


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("The file holds"),
        choices=choices((kind.value, label) for kind, label in FILE_KIND_LABELS.items()),
        validators=[AnyOf([kind.value for kind in FileKind])],
    )
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    encoding = SelectField(
        _l("Encoding"),
        choices=choices([("", _l("Find it out from the file"))] + [(n, n) for n in ENCODINGS]),
        validators=[Optional(), AnyOf(["", *ENCODINGS])],
        default="",
    )
    submit = SubmitField(_l("Import"))
