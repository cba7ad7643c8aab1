"""Forms of the purchases domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, SubmitField
from wtforms.validators import AnyOf, DataRequired, NumberRange

from club.core.forms import choices
from club.purchases.csv_encoding import ENCODINGS


class RuleForm(FlaskForm):
    effective_from = DateField(_l("From (the 1st of a month)"), validators=[DataRequired()])
    rate = IntegerField(
        _l("Net amount per point"), validators=[DataRequired(), NumberRange(min=1, max=1_000_000)]
    )
    grace_days = IntegerField(
        _l("Grace days after the due date"), validators=[NumberRange(min=0, max=365)], default=7
    )
    submit = SubmitField(_l("Save the rule"))


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file from the ERP"), validators=[FileRequired()])
    encoding = SelectField(
        _l("Encoding"),
        choices=choices([("", _l("Find it out from the file"))] + [(n, n) for n in ENCODINGS]),
        default="",
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired()])
    encoding = HiddenField(validators=[AnyOf(["", *ENCODINGS])], default="")
    submit = SubmitField(_l("Import the valid rows"))
