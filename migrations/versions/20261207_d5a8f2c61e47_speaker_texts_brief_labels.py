"""speakers' role and bio in each language, brief questions' labels in each language

Issue #19. A meeting speaker's role and bio get a text per club language
(meeting_speaker_text, as meeting_text): what a speaker has is moved to the club's
language (CLUB_LANGUAGE, Polish by default), and meeting_speaker's own columns keep that
language's text. A privilege's brief questions keep their label per language in the JSON:
each `"label": "..."` becomes `"labels": {"<club language>": "..."}`.

Revision ID: d5a8f2c61e47
Revises: 9c3e5a7d1b20
Create Date: 2026-12-07 05:40:00

"""

import os

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = "d5a8f2c61e47"
down_revision = "9c3e5a7d1b20"
branch_labels = None
depends_on = None

PRIVILEGE = sa.table("privilege", sa.column("id", sa.Integer), sa.column("brief", sa.JSON))


def upgrade():
    op.create_table(
        "meeting_speaker_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "language IN ('en', 'pl', 'ru')", name=op.f("ck_meeting_speaker_text_language_known")
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["meeting_speaker.id"],
            name=op.f("fk_meeting_speaker_text_speaker_id_meeting_speaker"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_speaker_text")),
        sa.UniqueConstraint("speaker_id", "language", name="uq_meeting_speaker_text_language"),
    )
    language = _club_language()
    op.execute(
        sa.text(
            "INSERT INTO meeting_speaker_text (speaker_id, language, role, bio) "
            "SELECT id, :language, role, bio FROM meeting_speaker WHERE role <> '' OR bio <> ''"
        ).bindparams(language=language)
    )
    _rewrite_briefs(lambda question: _with_labels(question, language))


def downgrade():
    language = _club_language()
    _rewrite_briefs(lambda question: _with_label(question, language))
    op.drop_table("meeting_speaker_text")


def _with_labels(question: dict, language: str) -> dict:
    if "labels" in question or "label" not in question:
        return question
    rest = {key: value for key, value in question.items() if key != "label"}
    return {**rest, "labels": {language: question["label"]}}


def _with_label(question: dict, language: str) -> dict:
    """Back to one label: the club language's, else any."""
    labels = question.get("labels")
    if not isinstance(labels, dict):
        return question
    rest = {key: value for key, value in question.items() if key != "labels"}
    label = labels.get(language) or next(iter(labels.values()), "")
    return {**rest, "label": label}


def _rewrite_briefs(change) -> None:
    bind = op.get_bind()
    for privilege_id, brief in bind.execute(sa.select(PRIVILEGE.c.id, PRIVILEGE.c.brief)).all():
        if not isinstance(brief, list) or not brief:
            continue
        new = [change(question) if isinstance(question, dict) else question for question in brief]
        if new != brief:
            bind.execute(PRIVILEGE.update().where(PRIVILEGE.c.id == privilege_id).values(brief=new))


def _club_language() -> str:
    """The club language as the app is configured (CLUB_LANGUAGE), Polish by default."""
    if has_app_context():
        return current_app.config.get("CLUB_LANGUAGE", "pl")
    return os.environ.get("CLUB_LANGUAGE", "pl").strip().lower() or "pl"
