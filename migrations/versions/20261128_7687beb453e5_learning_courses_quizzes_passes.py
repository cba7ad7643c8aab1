"""learning: courses, lessons, quiz versions, attempts, lesson reads, course passes

Revision ID: 7687beb453e5
Revises: a5dd680a5943
Create Date: 2026-11-28 17:56:15.129342

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "7687beb453e5"
down_revision = "a5dd680a5943"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("wait_minutes", sa.Integer(), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("points_by_attempt", sa.JSON(), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("is_in_files", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "max_attempts IS NULL OR max_attempts >= 1",
            name=op.f("ck_course_max_attempts_positive"),
        ),
        sa.CheckConstraint("pass_mark BETWEEN 1 AND 100", name=op.f("ck_course_pass_mark_percent")),
        sa.CheckConstraint("points >= 0", name=op.f("ck_course_points_not_negative")),
        sa.CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes >= 1",
            name=op.f("ck_course_time_limit_positive"),
        ),
        sa.CheckConstraint("wait_minutes >= 0", name=op.f("ck_course_wait_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
        sa.UniqueConstraint("slug", name=op.f("uq_course_slug")),
    )
    op.create_table(
        "lesson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("video_url", sa.String(length=500), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_lesson_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson")),
        sa.UniqueConstraint("course_id", "name", name="uq_lesson_course_name"),
    )
    with op.batch_alter_table("lesson", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_course_id"), ["course_id"], unique=False)

    op.create_table(
        "quiz_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("draw", sa.Integer(), nullable=False),
        sa.Column("shuffle_questions", sa.Boolean(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("draw >= 1", name=op.f("ck_quiz_version_draw_positive")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_quiz_version_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_version")),
        sa.UniqueConstraint("course_id", "number", name="uq_quiz_version_number"),
    )
    with op.batch_alter_table("quiz_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_version_course_id"), ["course_id"], unique=False)

    op.create_table(
        "lesson_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lesson.id"],
            name=op.f("fk_lesson_read_lesson_id_lesson"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_lesson_read_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_read")),
        sa.UniqueConstraint("user_id", "lesson_id", name="uq_lesson_read"),
    )
    with op.batch_alter_table("lesson_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_read_lesson_id"), ["lesson_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lesson_read_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("quiz_version_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "passed",
                "failed",
                "expired",
                name="attempt_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("cleared_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "(status = 'open') = (submitted_at IS NULL)",
            name=op.f("ck_quiz_attempt_open_until_submitted"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_quiz_attempt_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_version_id"],
            ["quiz_version.id"],
            name=op.f("fk_quiz_attempt_quiz_version_id_quiz_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_quiz_attempt_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
        sa.UniqueConstraint("user_id", "course_id", "number", name="uq_quiz_attempt_number"),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempt_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quiz_attempt_quiz_version_id"), ["quiz_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quiz_attempt_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_quiz_attempt_one_open",
            ["user_id", "course_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "course_pass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=11), nullable=False),
        sa.Column("passed_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("points >= 0", name=op.f("ck_course_pass_points_not_negative")),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempt.id"],
            name=op.f("fk_course_pass_attempt_id_quiz_attempt"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_pass_course_id_course"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_course_pass_entry_id_ledger_entry"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_course_pass_user_id_user"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_pass")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_course_pass_attempt_id")),
        sa.UniqueConstraint("code", name=op.f("uq_course_pass_code")),
        sa.UniqueConstraint("user_id", "course_id", name="uq_course_pass_person_course"),
    )
    with op.batch_alter_table("course_pass", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_pass_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_pass_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("course_pass", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_pass_user_id"))
        batch_op.drop_index(batch_op.f("ix_course_pass_course_id"))

    op.drop_table("course_pass")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_quiz_attempt_one_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_user_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_quiz_version_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_course_id"))

    op.drop_table("quiz_attempt")
    with op.batch_alter_table("lesson_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_read_user_id"))
        batch_op.drop_index(batch_op.f("ix_lesson_read_lesson_id"))

    op.drop_table("lesson_read")
    with op.batch_alter_table("quiz_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_version_course_id"))

    op.drop_table("quiz_version")
    with op.batch_alter_table("lesson", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_course_id"))

    op.drop_table("lesson")
    op.drop_table("course")
