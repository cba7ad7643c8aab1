"""Forms of the catalogue. The redeem form is built from the privilege's brief."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import BooleanField, DecimalField, URLField
from wtforms.validators import DataRequired, Length, Optional

from club.catalog.goods import Delivery
from club.catalog.models import PrivilegeKind
from club.catalog.privileges import question_label
from club.core.forms import choices
from club.core.languages import with_marker

INPUT_KINDS = {"date": {"type": "date"}, "number": {"inputmode": "decimal"}}
FIELD_TYPES = {
    "text": StringField,
    "textarea": TextAreaField,
    "url": URLField,
    "date": DateField,
    "number": DecimalField,
}


def redeem_form_class(privilege):
    """A form class with one field per brief question and, for a good, the delivery
    (checked by the service)."""

    class RedeemForm(FlaskForm):
        # One key per rendered form: a double submit or a second tab redeems once.
        request_key = HiddenField()
        submit = SubmitField(_l("Redeem"))

    for question in privilege.brief:
        field_class = FIELD_TYPES.get(question.get("type"), StringField)
        # A date is asked with the browser's date picker and a number with a numeric
        # keyboard; both stay text here: the service checks the value and says what is
        # wrong (a browser without a date picker sends what was typed).
        render_kw = INPUT_KINDS.get(question.get("type"))
        if field_class in (DateField, DecimalField):
            field_class = StringField
        setattr(
            RedeemForm,
            f"q_{question['key']}",
            field_class(
                with_marker(*question_label(question)),
                validators=[Optional(), Length(max=2000)],
                render_kw=render_kw,
            ),
        )
    if privilege.kind == PrivilegeKind.GOOD:
        if privilege.variants:
            RedeemForm.variant = SelectField(
                _l("Variant"),
                choices=choices([("", "—")] + [(str(v.id), v.label) for v in privilege.variants]),
                validate_choice=False,
            )
        RedeemForm.address = TextAreaField(
            _l("Delivery address"),
            validators=[Optional(), Length(max=500)],
            render_kw={"rows": 4, "autocomplete": "street-address"},
        )
        RedeemForm.phone = StringField(
            _l("Contact phone for the courier"),
            validators=[Optional(), Length(max=40)],
            render_kw={"autocomplete": "tel", "inputmode": "tel"},
        )
    return RedeemForm


def delivery_of(form) -> Delivery | None:
    """The delivery the form holds, if it asks for one."""
    if not hasattr(form, "address"):
        return None
    variant = getattr(form, "variant", None)
    variant_id = int(variant.data) if variant is not None and str(variant.data).isdigit() else None
    return Delivery(form.address.data or "", form.phone.data or "", variant_id)


class ShipForm(FlaskForm):
    carrier = StringField(_l("Carrier"), validators=[DataRequired(), Length(max=80)])
    tracking_number = StringField(
        _l("Tracking number"), validators=[DataRequired(), Length(max=80)]
    )
    submit = SubmitField(_l("Shipped: fulfil it"))


class ReturnForm(FlaskForm):
    note = TextAreaField(
        _l("Why it came back (the partner reads it)"),
        validators=[DataRequired(), Length(max=2000)],
    )
    restock = BooleanField(_l("Back in stock (it can be given again)"), default=True)
    submit = SubmitField(_l("Take it back and refund the points"))


class ProposeForm(FlaskForm):
    note = TextAreaField(
        _l("Why it would help us (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Propose it to our account holder"))


class MoveForm(FlaskForm):
    # The target status comes from the button pressed (name="to").
    note = TextAreaField(_l("Note for the partner"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))
