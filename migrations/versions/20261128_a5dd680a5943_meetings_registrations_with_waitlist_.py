"""meetings: registrations with waitlist, speakers, invitations, calendar feeds

Revision ID: a5dd680a5943
Revises: a8256c35df44
Create Date: 2026-11-28 17:50:06.406099

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "a5dd680a5943"
down_revision = "a8256c35df44"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_calendar_feed_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feed_user_id")),
    )
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "business_breakfast",
                "club_academy",
                "club_evening",
                "webinar",
                name="meeting_format",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_per_company", sa.Integer(), nullable=True),
        sa.Column(
            "audience",
            sa.Enum(
                "members",
                "tier",
                "invited",
                name="meeting_audience",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("min_tier", sa.String(length=40), nullable=True),
        sa.Column("registration_opens_at", UTCDateTime(), nullable=True),
        sa.Column("registration_closes_at", UTCDateTime(), nullable=True),
        sa.Column("attendance_points", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "cancelled",
                "done",
                name="meeting_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "audience <> 'tier' OR min_tier IS NOT NULL", name=op.f("ck_meeting_tier_named")
        ),
        sa.CheckConstraint(
            "attendance_points >= 0", name=op.f("ck_meeting_attendance_points_not_negative")
        ),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_meeting_capacity_positive")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_meeting_ends_after_start")),
        sa.CheckConstraint(
            "registration_opens_at IS NULL OR registration_closes_at IS NULL OR registration_opens_at < registration_closes_at",
            name=op.f("ck_meeting_registration_opens_before_close"),
        ),
        sa.CheckConstraint(
            "seats_per_company IS NULL OR seats_per_company >= 1",
            name=op.f("ck_meeting_seats_per_company_positive"),
        ),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_meeting_sequence_not_negative")),
        sa.ForeignKeyConstraint(
            ["copied_from_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_copied_from_id_meeting"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_meeting_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        sa.UniqueConstraint("uid", name=op.f("uq_meeting_uid")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_status_starts_at", ["status", "starts_at"], unique=False)

    op.create_table(
        "meeting_invitation",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_meeting_invitation_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_invitation_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "company_id", name=op.f("pk_meeting_invitation")),
    )
    op.create_table(
        "meeting_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "registered",
                "waitlisted",
                "cancelled",
                name="registration_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("seat_given_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("ticket_secret", sa.String(length=32), nullable=False),
        sa.Column("is_walk_in", sa.Boolean(), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=True),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "attendance",
            sa.Enum(
                "attended",
                "no_show",
                name="attendance",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("week_reminder_at", UTCDateTime(), nullable=True),
        sa.Column("day_reminder_at", UTCDateTime(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=False),
        sa.Column("rated_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "checked_in_at IS NULL OR status = 'registered'",
            name=op.f("ck_meeting_registration_checked_in_holds_a_seat"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)",
            name=op.f("ck_meeting_registration_rating_1_to_5"),
        ),
        sa.ForeignKeyConstraint(
            ["checked_in_by_id"],
            ["user.id"],
            name=op.f("fk_meeting_registration_checked_in_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_meeting_registration_company_id_company"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_registration_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["user.id"],
            name=op.f("fk_meeting_registration_registered_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_meeting_registration_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_registration")),
    )
    with op.batch_alter_table("meeting_registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_registration_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            "ix_meeting_registration_queue",
            ["meeting_id", "status", "queued_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_registration_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_meeting_registration_live",
            ["meeting_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("status <> 'cancelled'"),
            postgresql_where=sa.text("status <> 'cancelled'"),
        )

    op.create_table(
        "meeting_speaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_speaker_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_speaker")),
    )
    with op.batch_alter_table("meeting_speaker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_speaker_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("meeting_speaker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_speaker_meeting_id"))

    op.drop_table("meeting_speaker")
    with op.batch_alter_table("meeting_registration", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_meeting_registration_live",
            sqlite_where=sa.text("status <> 'cancelled'"),
            postgresql_where=sa.text("status <> 'cancelled'"),
        )
        batch_op.drop_index(batch_op.f("ix_meeting_registration_user_id"))
        batch_op.drop_index("ix_meeting_registration_queue")
        batch_op.drop_index(batch_op.f("ix_meeting_registration_company_id"))

    op.drop_table("meeting_registration")
    op.drop_table("meeting_invitation")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_status_starts_at")

    op.drop_table("meeting")
    op.drop_table("calendar_feed")
