"""Forms for managing API tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from club.api.services import SCOPES
from club.core.forms import choices

SCOPE_LABELS = {
    "invoices": _l("invoices: send invoices, credit notes and payments"),
    "companies": _l("companies: create and update partner companies"),
    "wallets": _l("wallets: read balances and statements"),
    "leaderboards": _l("leaderboards: read the people and company boards"),
    "events": _l("events: report what partner companies did on the platform"),
}


class TokenForm(FlaskForm):
    name = StringField(_l("Who will use it"), validators=[DataRequired(), Length(max=100)])
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=lambda: choices((scope, SCOPE_LABELS[scope]) for scope in SCOPES),
        default=list(SCOPES),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Create the token"))
