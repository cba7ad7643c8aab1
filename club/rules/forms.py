"""The club manager's forms for earning rules and event types."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from club.core.forms import NUMERIC, choices, strip
from club.members.forms import country_choices
from club.rules.models import SINGLE_KINDS, Audience, CapPeriod, RuleKind
from club.rules.services import MAX_POINTS, RuleData

KIND_LABELS = {
    RuleKind.PURCHASE_RATE: _l("Purchase rate"),
    RuleKind.TIER_MULTIPLIER: _l("Tier multiplier"),
    RuleKind.PRODUCT_GROUP: _l("Product-group promotion"),
    RuleKind.EINVOICE: _l("E-invoice switch"),
    RuleKind.REFERRAL: _l("Referral"),
    RuleKind.FEATURE: _l("Feature use"),
    RuleKind.CUSTOM_EVENT: _l("Custom event"),
    RuleKind.EARLY_PAYMENT: _l("Early payment"),
}
AUDIENCE_LABELS = {
    Audience.ALL: _l("All members"),
    Audience.TIER: _l("A tier and above"),
    Audience.PILOT: _l("The pilot group"),
    Audience.COMPANIES: _l("Listed companies"),
}
CAP_PERIOD_LABELS = {
    CapPeriod.MONTH: _l("per month"),
    CapPeriod.QUARTER: _l("per quarter"),
    CapPeriod.YEAR: _l("per year"),
}


def _count(label, **extra):
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=1, max=MAX_POINTS)],
        widget=TextInput(),
        render_kw=NUMERIC,
        **extra,
    )


class RuleForm(FlaskForm):
    """A rule, or a new version of one (the kind is fixed once the rule exists)."""

    kind = SelectField(
        _l("Kind"),
        choices=choices((k.value, v) for k, v in KIND_LABELS.items() if k not in SINGLE_KINDS),
    )
    name_en = StringField(_l("Name in English"), [DataRequired(), Length(max=120)], [strip])
    name_pl = StringField(_l("Name in Polish"), [DataRequired(), Length(max=120)], [strip])
    name_ru = StringField(_l("Name in Russian"), [DataRequired(), Length(max=120)], [strip])
    sponsor = StringField(_l("Sponsor"), [Optional(), Length(max=120)], [strip])
    effective_from = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("Until"), validators=[Optional()])
    points = IntegerField(
        _l("Points"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_POINTS)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    per_amount = DecimalField(
        _l("Per net amount"),
        validators=[Optional(), NumberRange(min=0.01, max=10**11)],
        places=2,
        widget=TextInput(),
    )
    currency = StringField(_l("Currency"), [Optional(), Length(min=3, max=3)], [strip])
    product_group = StringField(_l("Product group"), [Optional(), Length(max=40)], [strip])
    event_type = SelectField(_l("Event type"), choices=[], validate_choice=False)
    days_early = _count(_l("Days before the due date"))
    audience = SelectField(
        _l("For"), choices=choices((k.value, v) for k, v in AUDIENCE_LABELS.items())
    )
    tier = SelectField(_l("Lowest tier"), choices=[], validate_choice=False)
    companies = TextAreaField(
        _l("Companies (tax ids, one a line)"), [Optional(), Length(max=20_000)]
    )
    cap_per_company = _count(_l("Cap per company"))
    cap_period = SelectField(
        _l("Cap period"), choices=choices((k.value, v) for k, v in CAP_PERIOD_LABELS.items())
    )
    cap_per_person = _count(_l("Cap per person"))
    budget_points = _count(_l("Total budget in points"))
    preview = SubmitField(_l("Preview on last quarter"))
    submit = SubmitField(_l("Save"))

    def with_choices(self, event_types, tiers) -> RuleForm:
        self.event_type.choices = choices([("", "—")] + [(str(t.id), t.code) for t in event_types])
        self.tier.choices = choices([("", "—")] + [(str(t.id), t.name) for t in tiers])
        return self

    def rule_data(self, company_ids: list[int]) -> RuleData:
        def number(field):
            return int(field.data) if field.data else None

        return RuleData(
            kind=RuleKind(self.kind.data),
            name_en=self.name_en.data,
            name_pl=self.name_pl.data,
            name_ru=self.name_ru.data,
            effective_from=self.effective_from.data,
            ends_on=self.ends_on.data,
            points=self.points.data,
            sponsor=self.sponsor.data,
            budget_points=self.budget_points.data,
            per_amount=self.per_amount.data,
            currency=(self.currency.data or "").upper() or None,
            product_group=self.product_group.data or None,
            event_type_id=number(self.event_type) if self.event_type.data.isdigit() else None,
            days_early=self.days_early.data,
            audience=Audience(self.audience.data),
            tier_id=number(self.tier) if self.tier.data.isdigit() else None,
            company_ids=company_ids,
            cap_per_company=self.cap_per_company.data,
            cap_period=CapPeriod(self.cap_period.data),
            cap_per_person=self.cap_per_person.data,
        )

    def tax_ids(self) -> list[str]:
        return [line.strip() for line in (self.companies.data or "").splitlines() if line.strip()]


class EventTypeForm(FlaskForm):
    code = StringField(_l("Key"), [DataRequired(), Length(max=60)], [strip])
    name_en = StringField(_l("Name in English"), [DataRequired(), Length(max=120)], [strip])
    name_pl = StringField(_l("Name in Polish"), [DataRequired(), Length(max=120)], [strip])
    name_ru = StringField(_l("Name in Russian"), [DataRequired(), Length(max=120)], [strip])
    submit = SubmitField(_l("Add"))


class InvitationForm(FlaskForm):
    """A member invites a company (club.rules.referrals checks the tax id)."""

    name = StringField(_l("Company name"), [DataRequired(), Length(max=200)], [strip])
    country = SelectField(_l("Country"), validators=[DataRequired()], choices=country_choices)
    tax_id = StringField(_l("Tax id"), [DataRequired(), Length(max=32)], [strip])
    contact_name = StringField(_l("Contact person"), [DataRequired(), Length(max=120)], [strip])
    contact_email = EmailField(
        _l("Contact e-mail"), [DataRequired(), Email(), Length(max=254)], [strip]
    )
    submit = SubmitField(_l("Invite"))


class JoinForm(FlaskForm):
    """The invited company applies through its invitation's link (name and tax id come
    from the invitation)."""

    street = StringField(_l("Street and number"), [DataRequired(), Length(max=200)], [strip])
    postal_code = StringField(_l("Postal code"), [DataRequired(), Length(max=20)], [strip])
    city = StringField(_l("City"), [DataRequired(), Length(max=100)], [strip])
    submit = SubmitField(_l("Apply to join the club"))
