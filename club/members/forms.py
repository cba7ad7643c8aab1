"""Forms of the members domain. Length limits here keep oversized input off the database."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import TextInput

from club.core import countries
from club.core.forms import NUMERIC, choices
from club.members.models import MembershipStatus
from club.members.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from club.members.tiers import TierData

LANGUAGES = [("en", "English"), ("pl", "Polski"), ("ru", "Русский")]


def _language_choices():
    return choices(LANGUAGES)


def _status_choices():
    return choices((status.value, status.label) for status in MembershipStatus)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Save password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)]
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"), choices=_language_choices)
    is_shown_on_boards = BooleanField(_l("Show my name on the leaderboards"))
    submit = SubmitField(_l("Save"))


class CompanyForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    tax_id = StringField(_l("Tax id"), validators=[DataRequired(), Length(max=32)])
    street = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=20)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Membership"), choices=_status_choices)
    joined_on = DateField(_l("Member since"), validators=[Optional()])
    account_manager_id = SelectField(_l("Account manager"), coerce=str, default="")
    is_pilot = BooleanField(_l("In the pilot group"))
    submit = SubmitField(_l("Save"))


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    language = SelectField(_l("Language of the invitation"), choices=_language_choices)
    submit = SubmitField(_l("Send invitation"))


class InviteSupplierStaffForm(InviteForm):
    role = SelectField(_l("Role"))


class MoveAccountHolderForm(FlaskForm):
    user = SelectField(_l("New account holder"), coerce=int)
    submit = SubmitField(_l("Move the role"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))
    submit = SubmitField(_l("Change role"))


class AdmissionRulesForm(FlaskForm):
    threshold_points = IntegerField(
        _l("Entry threshold in points"),
        validators=[InputRequired(), NumberRange(min=1, max=10_000_000)],
    )
    window_months = IntegerField(
        _l("Counted over the last months"), validators=[InputRequired(), NumberRange(1, 36)]
    )
    needs_approval = BooleanField(_l("Admission needs the club manager’s approval"))
    forfeit_after_months = IntegerField(
        _l("Frozen points forfeited after months"),
        validators=[InputRequired(), NumberRange(0, 60)],
    )
    submit = SubmitField(_l("Save the rules"))


class MembershipForm(FlaskForm):
    """Suspend, record leaving or reinstate, with the reason kept in the history."""

    action = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class ConfirmForm(FlaskForm):
    """An empty form: a POST button that carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


def country_choices() -> list[SelectChoice]:
    """ISO 3166 countries named in the user's language, common ones first
    (club.core.countries: real countries only, no regions such as EU or 001)."""
    return choices(countries.country_choices(get_locale() or "en"))


class TierForm(FlaskForm):
    """A tier as the club manager defines it (members.tiers checks the order)."""

    code = StringField(_l("Key"), validators=[DataRequired(), Length(max=40)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=40)])
    name_pl = StringField(_l("Name in Polish"), validators=[DataRequired(), Length(max=40)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=40)])
    threshold = IntegerField(
        _l("Threshold in points"),
        validators=[InputRequired(), NumberRange(min=0, max=100_000_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    multiplier_percent = IntegerField(
        _l("Points multiplier in percent"),
        default=100,
        validators=[InputRequired(), NumberRange(min=100, max=1000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    colour = StringField(
        _l("Colour"),
        default="#6b7280",
        validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$")],
        render_kw={"type": "color"},
    )
    is_pilot_only = BooleanField(_l("Only for the pilot group"))
    submit = SubmitField(_l("Save"))

    def tier_data(self):
        from_form = {name: getattr(self, name).data for name in ("name_en", "name_pl", "name_ru")}
        return TierData(
            code=self.code.data.strip().lower(),
            threshold=self.threshold.data,
            multiplier_percent=self.multiplier_percent.data,
            colour=self.colour.data.lower(),
            is_pilot_only=self.is_pilot_only.data,
            **{name: value.strip() for name, value in from_form.items()},
        )


class SetTierForm(FlaskForm):
    """The club manager gives a company a tier (choices: the club's tiers)."""

    tier = SelectField(_l("Tier"), validate_choice=True)
    submit = SubmitField(_l("Set the tier"))
