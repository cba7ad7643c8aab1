"""Forms of the catalogue. The redeem form is built from the privilege's brief."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.fields import DecimalField, URLField
from wtforms.validators import Length, Optional

FIELD_TYPES = {
    "text": StringField,
    "textarea": TextAreaField,
    "url": URLField,
    "date": DateField,
    "number": DecimalField,
}


def redeem_form_class(privilege):
    """A form class with one field per brief question (checked by the service)."""

    class RedeemForm(FlaskForm):
        # One key per rendered form: a double submit or a second tab redeems once.
        request_key = HiddenField()
        submit = SubmitField(_l("Redeem"))

    for question in privilege.brief:
        field_class = FIELD_TYPES.get(question.get("type"), StringField)
        if field_class in (DateField, DecimalField):
            field_class = StringField  # the service checks the value and says what is wrong
        setattr(
            RedeemForm,
            f"q_{question['key']}",
            field_class(question["label"], validators=[Optional(), Length(max=2000)]),
        )
    return RedeemForm


class ProposeForm(FlaskForm):
    note = TextAreaField(
        _l("Why it would help us (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Propose it to our account holder"))


class MoveForm(FlaskForm):
    # The target status comes from the button pressed (name="to").
    note = TextAreaField(_l("Note for the partner"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))
