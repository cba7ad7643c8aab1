"""Forms of the purchases domain."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, NumberRange, Optional, ValidationError

from club.core.currencies import currencies_in_use
from club.core.forms import NUMERIC, choices
from club.purchases.csv_encoding import ENCODINGS
from club.purchases.earning_rule import MAX_RATE

# Currencies the club's partners usually pay in: listed first.
COMMON_CURRENCIES = ("PLN", "EUR", "RUB", "USD", "CZK", "UAH", "BYN", "KZT")
# Rows of the rates table: enough for every currency a club trades in.
MAX_RATES = 20


def currency_choices():
    """Currencies in use as (code, "code, name in the viewer's language"), common ones
    first, an empty choice on top."""
    locale = get_locale()
    names = locale.currencies if locale else {}
    common = [code for code in COMMON_CURRENCIES if code in currencies_in_use()]
    rest = sorted(code for code in currencies_in_use() if code not in common)
    return choices(
        [("", "—")] + [(code, f"{code} · {names.get(code, code)}") for code in [*common, *rest]]
    )


class RateForm(Form):
    """One currency's rate: both given, or both left empty (the row is ignored)."""

    currency = SelectField(_l("Currency"), validators=[Optional()], validate_choice=True)
    rate = IntegerField(
        _l("Net amount per point"),
        validators=[Optional(), NumberRange(min=1, max=MAX_RATE)],
        render_kw=NUMERIC,
    )

    def validate_rate(self, field) -> None:
        if self.currency.data and field.data is None and not field.errors:
            raise ValidationError(_l("Enter the rate for this currency."))
        if field.data is not None and not self.currency.data:
            raise ValidationError(_l("Choose the currency of this rate."))


class RuleForm(FlaskForm):
    effective_from = DateField(_l("From (the 1st of a month)"), validators=[DataRequired()])
    rates = FieldList(FormField(RateForm), min_entries=1, max_entries=MAX_RATES)
    grace_days = IntegerField(
        _l("Grace days after the due date"), validators=[NumberRange(min=0, max=365)], default=7
    )
    submit = SubmitField(_l("Save the rule"))

    def with_currency_choices(self) -> RuleForm:
        listed = currency_choices()
        for entry in self.rates:
            entry.form.currency.choices = listed
        return self

    def validate_rates(self, field) -> None:
        seen = set()
        for entry in field:
            code = entry.form.currency.data
            if code and code in seen:
                raise ValidationError(_l("Give each currency one rate."))
            seen.add(code)

    def rate_table(self) -> dict[str, int]:
        """The rates entered, by currency (rows left empty are not rates)."""
        return {
            entry.form.currency.data: entry.form.rate.data
            for entry in self.rates
            if entry.form.currency.data and entry.form.rate.data is not None
        }


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
