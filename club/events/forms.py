"""Forms of club meetings: planning one, registering, checking in, rating."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import TextInput

from club.core.forms import NUMERIC, add_language_fields, choices, language_texts, strip
from club.core.languages import LANGUAGES
from club.events.models import AUDIENCE_LABELS, FORMAT_LABELS
from club.events.services import MAX_SPEAKERS, SPEAKER_LIMITS, MeetingData, SpeakerData

MINUTES = ["%Y-%m-%dT%H:%M"]


class SpeakerForm(Form):
    """One speaker: a row of the speakers' list editor; a row without a name is left out.
    The role and bio are the club language's; `role_en`, `bio_en`... the other languages'."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)], filters=[strip])
    role = StringField(
        _l("Role"), validators=[Optional(), Length(max=SPEAKER_LIMITS["role"])], filters=[strip]
    )
    bio = StringField(
        _l("Short bio"), validators=[Optional(), Length(max=SPEAKER_LIMITS["bio"])], filters=[strip]
    )

    def has_text(self) -> bool:
        """A role or a bio in any language."""
        names = [*SPEAKER_TEXTS, *(f"{n}_{lang}" for n in SPEAKER_TEXTS for lang in LANGUAGES)]
        return any(getattr(self, name).data for name in names)


SPEAKER_TEXTS = ("role", "bio")
add_language_fields(
    SpeakerForm,
    {
        "role": lambda _language: StringField(
            _l("Role"),
            validators=[Optional(), Length(max=SPEAKER_LIMITS["role"])],
            filters=[strip],
        ),
        "bio": lambda _language: StringField(
            _l("Short bio"),
            validators=[Optional(), Length(max=SPEAKER_LIMITS["bio"])],
            filters=[strip],
        ),
    },
)


def speaker_rows(speakers) -> list[dict]:
    """The meeting's speakers as rows of the editor: each language as written."""
    rows = []
    for speaker in speakers:
        row = {"name": speaker.name, "role": speaker.base_role, "bio": speaker.base_bio}
        for language in LANGUAGES:
            text = speaker.text_in(language) or {}
            for name in SPEAKER_TEXTS:
                row[f"{name}_{language}"] = text.get(name, "")
        rows.append(row)
    return rows


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    format = SelectField(
        _l("Format"), validators=[InputRequired()], choices=choices(FORMAT_LABELS.items())
    )
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=200)], filters=[strip])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 8}
    )
    speakers = FieldList(FormField(SpeakerForm), min_entries=1, max_entries=MAX_SPEAKERS)
    starts_at = DateTimeLocalField(_l("Starts"), format=MINUTES, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=MINUTES, validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), validators=[InputRequired()])
    place = TextAreaField(
        _l("Place (address)"), validators=[Optional(), Length(max=1_000)], render_kw={"rows": 3}
    )
    online_url = StringField(
        _l("Online link"),
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
        filters=[strip],
    )
    capacity = IntegerField(
        _l("Seats"),
        validators=[InputRequired(), NumberRange(min=1, max=100_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    seats_per_company = IntegerField(
        _l("Seats per company"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    audience = RadioField(
        _l("Who may register"), default="members", choices=choices(AUDIENCE_LABELS.items())
    )
    min_tier_id = SelectField(_l("Tier"), default="", validate_choice=True)
    is_pilot_only = BooleanField(_l("Only for the pilot group"))
    invited_company_ids = SelectMultipleField(
        _l("Invited companies"), coerce=int, validators=[Optional()], render_kw={"size": 8}
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format=MINUTES, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=MINUTES, validators=[Optional()]
    )
    attendance_points = IntegerField(
        _l("Points for attending"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        widget=TextInput(),
        render_kw=NUMERIC,
    )
    submit = SubmitField(_l("Save"))

    def validate_speakers(self, field):
        for entry in field.entries:
            if not entry.form.name.data and entry.form.has_text():
                entry.form.name.errors = [*entry.form.name.errors, _("Give the speaker's name.")]
                raise ValidationError(_("Each speaker needs a name."))

    def parsed_speakers(self) -> list[SpeakerData]:
        """The rows with a name, in order, with the other languages' role and bio."""
        return [
            SpeakerData(
                name=entry.form.name.data,
                role=entry.form.role.data or "",
                bio=entry.form.bio.data or "",
                texts=language_texts(entry.form, SPEAKER_TEXTS),
            )
            for entry in self.speakers.entries
            if entry.form.name.data
        ]

    def data_for_service(self) -> MeetingData:
        return MeetingData(
            title=self.title.data,
            format=self.format.data,
            theme=self.theme.data or "",
            description=self.description.data or "",
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            timezone=self.timezone.data,
            place=self.place.data or "",
            online_url=self.online_url.data or "",
            capacity=self.capacity.data,
            seats_per_company=self.seats_per_company.data,
            audience=self.audience.data,
            min_tier_id=int(self.min_tier_id.data) if self.min_tier_id.data else None,
            invited_company_ids=list(self.invited_company_ids.data or []),
            registration_opens_at=self.registration_opens_at.data,
            registration_closes_at=self.registration_closes_at.data,
            attendance_points=self.attendance_points.data,
            speakers=self.parsed_speakers(),
            is_pilot_only=self.is_pilot_only.data,
            texts=language_texts(self, TEXT_FIELDS),
        )


TEXT_FIELDS = ("title", "theme", "description")
add_language_fields(
    MeetingForm,
    {
        "title": lambda _language: StringField(
            _l("Title"), validators=[Optional(), Length(max=200)], filters=[strip]
        ),
        "theme": lambda _language: StringField(
            _l("Theme"), validators=[Optional(), Length(max=200)], filters=[strip]
        ),
        "description": lambda _language: TextAreaField(
            _l("Description"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 6}
        ),
    },
)


class RegisterForm(FlaskForm):
    # Empty: the signed-in person; an account holder may pick one of their staff.
    person_id = SelectField(_l("Who"), coerce=int, validators=[Optional()], validate_choice=False)
    submit = SubmitField(_l("Register"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)], filters=[strip])


class WalkInForm(FlaskForm):
    email = StringField(
        _l("E-mail of the person"), validators=[DataRequired(), Length(max=254)], filters=[strip]
    )
    submit = SubmitField(_l("Add and check in"))


class RatingForm(FlaskForm):
    rating = RadioField(
        _l("Your rating"),
        coerce=int,
        choices=choices((value, str(value)) for value in range(1, 6)),
        validators=[InputRequired()],
    )
    comment = TextAreaField(
        _l("Comment"), validators=[Optional(), Length(max=2_000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Send rating"))
