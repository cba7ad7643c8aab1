"""Forms of the club manager's catalogue: a privilege with its brief, and the row buttons."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import TextInput

from club.catalog.models import Category, PrivilegeKind
from club.catalog.pictures import max_megabytes
from club.catalog.privileges import MAX_LABEL_LENGTH
from club.core.formatting import plain_amount
from club.core.forms import NUMERIC, add_language_fields, choices, language_texts, strip
from club.core.languages import LANGUAGES, club_language
from club.extensions import db
from club.members.tiers import tier_choices

DECIMAL = {"inputmode": "decimal"}


class MoneyField(DecimalField):
    """A decimal that also takes the Polish and Russian way: "1 200,50"."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return plain_amount(self.data)  # in the reader's notation

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = "".join(valuelist[0].split()).replace("\u202f", "").replace(",", ".")
        if not text:
            self.data = None
            return
        try:
            self.data = Decimal(text)
        except InvalidOperation:
            self.data = None
        if self.data is None or not self.data.is_finite():  # "NaN" and "inf" parse too
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


# The types of a brief question, as the club manager chooses them (QUESTION_TYPES).
QUESTION_TYPE_LABELS = {
    "text": _l("Short text"),
    "textarea": _l("Long text"),
    "url": _l("Web address"),
    "date": _l("Date"),
    "number": _l("Number"),
}
MAX_QUESTIONS = 20


class QuestionForm(Form):
    """One question of a privilege's brief: a row of its list editor; a row without a
    label is left out. The key names the answer in exports; empty, one is made up.
    `label` is the club language's; `label_en`, `label_ru`... the other languages'."""

    label = StringField(
        _l("Question"), validators=[Optional(), Length(max=MAX_LABEL_LENGTH)], filters=[strip]
    )
    type = SelectField(_l("Answer"), default="text", choices=choices(QUESTION_TYPE_LABELS.items()))
    required = BooleanField(_l("Required"), default=True)
    key = StringField(
        _l("Key"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[a-z][a-z0-9_]*$", message=_l("a-z, 0-9 and _, starting with a letter.")),
        ],
        filters=[strip, lambda value: value.lower() if isinstance(value, str) else value],
    )

    def labels(self) -> dict[str, str]:
        """The question in each language it is written in."""
        return {
            language: text
            for language, text in {
                club_language(): self.label.data,
                **{
                    language: values["label"]
                    for language, values in language_texts(self, ("label",)).items()
                },
            }.items()
            if text
        }


add_language_fields(
    QuestionForm,
    {
        "label": lambda _language: StringField(
            _l("Question"), validators=[Optional(), Length(max=MAX_LABEL_LENGTH)], filters=[strip]
        )
    },
)

MAX_VARIANTS = 50


class VariantForm(Form):
    """One size or colour of a good: a row of its list editor; an empty row is left out.
    The names match Variant's columns, so a privilege being edited fills the rows."""

    label = StringField(_l("Variant"), validators=[Optional(), Length(max=80)], filters=[strip])
    stock = IntegerField(
        _l("Units in stock"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )


class PrivilegeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)], filters=[strip])
    summary = StringField(_l("Summary"), validators=[Optional(), Length(max=300)], filters=[strip])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 10}
    )
    category = SelectField(_l("Category"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), validators=[DataRequired()], default=PrivilegeKind.SERVICE.value)
    points_cost = IntegerField(
        _l("Cost in points"),
        validators=[InputRequired(), NumberRange(min=1, max=10_000_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    money_value = MoneyField(
        _l("Money value"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=Decimal("9999999999.99"))],
        render_kw=DECIMAL,
    )
    currency = StringField(
        _l("Currency"),
        default="PLN",
        validators=[
            DataRequired(),
            Regexp(r"^[A-Z]{3}$", message=_l("Three letters, such as PLN, EUR or RUB.")),
        ],
        filters=[_upper],
        render_kw={"maxlength": 3},
    )
    sponsor = StringField(
        _l("Sponsor"),
        validators=[Optional(), Length(max=120)],
        filters=[strip],
    )
    sponsor_share_percent = IntegerField(
        _l("Sponsor's share in percent"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    min_tier_id = SelectField(_l("Lowest tier"), default="", validate_choice=True)
    is_pilot_only = BooleanField(_l("Only for the pilot group"))
    capacity_per_quarter = IntegerField(
        _l("Capacity per quarter"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    stock = IntegerField(
        _l("Stock"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    lead_time_days = IntegerField(
        _l("Lead time in days"),
        default=14,
        validators=[InputRequired(), NumberRange(min=0, max=365)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    active_from = DateField(_l("Redeemable from"), validators=[Optional()])
    active_until = DateField(_l("Redeemable until"), validators=[Optional()])
    brief = FieldList(FormField(QuestionForm), min_entries=1, max_entries=MAX_QUESTIONS)
    weight_grams = IntegerField(
        _l("Weight in grams"),
        validators=[Optional(), NumberRange(min=1, max=1_000_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    parcel_size = StringField(
        _l("Parcel size"), validators=[Optional(), Length(max=40)], filters=[strip]
    )
    variants = FieldList(FormField(VariantForm), min_entries=1, max_entries=MAX_VARIANTS)
    delivers_at_once = BooleanField(_l("Give the code at once, without approval"))
    pool_threshold = IntegerField(
        _l("Warn when fewer codes are left than"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((kind.value, kind.label) for kind in PrivilegeKind)
        self.category.choices = choices((category.value, category.label) for category in Category)
        self.min_tier_id.choices = tier_choices(db.session, _("Every member"))
        if isinstance(self.min_tier_id.data, int):  # from the privilege being edited
            self.min_tier_id.data = str(self.min_tier_id.data)
        self.image.label.text = _(
            "Picture (PNG, JPEG or WebP, up to %(size)s MB)", size=max_megabytes()
        )

    def fill_brief(self, brief: list[dict]) -> None:
        """Show a privilege's questions: each label in its language's field."""
        rows = []
        for question in brief:
            labels = question.get("labels") or {}
            row = {name: question.get(name) for name in ("key", "type", "required")}
            row["label"] = labels.get(club_language(), "")
            row.update({f"label_{language}": labels.get(language, "") for language in LANGUAGES})
            rows.append(row)
        self.brief.process(None, rows)

    def validate_brief(self, field):
        for entry in field.entries:
            if not entry.form.label.data and entry.form.labels():
                entry.form.label.errors = [
                    *entry.form.label.errors,
                    _("Write the question in the club language too."),
                ]
                raise ValidationError(_("Each question needs its text in the club language."))

    def validate_variants(self, field):
        for entry in field.entries:
            row = entry.form
            if row.errors:
                continue
            if not row.label.data and row.stock.data is not None:
                row.label.errors = [*row.label.errors, _("Give the variant a name.")]
            elif row.label.data and row.stock.data is None:
                row.stock.errors = [*row.stock.errors, _("Give the units in stock (0 or more).")]
            else:
                continue
            raise ValidationError(_("Each variant needs a name and its units in stock."))

    def variant_rows(self) -> list[tuple[str, int]]:
        """(name, stock) of the rows with a name, in order."""
        return [
            (entry.form.label.data, entry.form.stock.data)
            for entry in self.variants.entries
            if entry.form.label.data
        ]

    def validate_sponsor_share_percent(self, field):
        if field.data and not self.sponsor.data:
            raise ValidationError(_("Name the sponsor that pays this share."))

    image = FileField(
        _l("Picture"),
        validators=[Optional()],
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )

    def privilege_fields(self) -> dict:
        """The keyword arguments of services.save_privilege; CatalogError on a bad brief."""
        return {
            "texts": language_texts(self, TEXT_FIELDS),
            "title": self.title.data,
            "summary": self.summary.data or "",
            "description": self.description.data or "",
            "category": Category(self.category.data),
            "kind": PrivilegeKind(self.kind.data),
            "weight_grams": self.weight_grams.data,
            "parcel_size": self.parcel_size.data or None,
            "delivers_at_once": self.delivers_at_once.data,
            "pool_threshold": self.pool_threshold.data,
            "variants": self.variant_rows(),
            "points_cost": self.points_cost.data,
            "money_value": self.money_value.data,
            "currency": self.currency.data,
            "sponsor": self.sponsor.data or None,
            "sponsor_share_percent": self.sponsor_share_percent.data or 0,
            "min_tier_id": int(self.min_tier_id.data) if self.min_tier_id.data else None,
            "is_pilot_only": self.is_pilot_only.data,
            "capacity_per_quarter": self.capacity_per_quarter.data,
            "stock": self.stock.data,
            "lead_time_days": self.lead_time_days.data,
            "active_from": self.active_from.data,
            "active_until": self.active_until.data,
            "brief": self.brief_questions(),
        }

    def brief_questions(self) -> list[dict]:
        """The rows with a question, in order, for the service to check; a row without a
        key gets q1, q2, ... (the first not taken)."""
        rows = [entry.form for entry in self.brief.entries if entry.form.labels()]
        taken = {row.key.data for row in rows if row.key.data}
        numbers = (f"q{n}" for n in range(1, 10 * MAX_QUESTIONS) if f"q{n}" not in taken)
        return [
            {
                "key": row.key.data or next(numbers),
                "labels": row.labels(),
                "type": row.type.data,
                "required": bool(row.required.data),
            }
            for row in rows
        ]


TEXT_FIELDS = ("title", "summary", "description")
add_language_fields(
    PrivilegeForm,
    {
        "title": lambda _language: StringField(
            _l("Title"), validators=[Optional(), Length(max=160)], filters=[strip]
        ),
        "summary": lambda _language: StringField(
            _l("Summary"), validators=[Optional(), Length(max=300)], filters=[strip]
        ),
        "description": lambda _language: TextAreaField(
            _l("Description"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 6}
        ),
    },
)


class ReorderForm(FlaskForm):
    """Up or down one place in the catalogue: the button carries `up` (1 or 0) itself."""


class PoolForm(FlaskForm):
    file = FileField(
        _l("CSV file of codes"),
        validators=[FileRequired()],
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Upload"))
