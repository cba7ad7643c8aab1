"""Forms for the club manager's webhook endpoints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from club.core.forms import choices
from club.webhooks.outbox import EVENT_TYPES


class EndpointForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[DataRequired(), Length(max=500)])
    description = StringField(_l("Whose system it is"), validators=[Optional(), Length(max=200)])
    event_types = SelectMultipleField(
        _l("Events"),
        choices=lambda: choices(EVENT_TYPES.items()),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Register the endpoint"))
