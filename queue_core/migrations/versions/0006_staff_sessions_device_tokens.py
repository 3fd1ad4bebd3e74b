"""staff sessions from PIN logins and device tokens (DESIGN §11: authority in the service layer)

Only the SHA-256 of a token is stored; the token itself is shown once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id", name="fk_staff_session_operator_id_operator"),
                  nullable=False),
        sa.Column("shift_id", sa.Integer(),
                  sa.ForeignKey("operator_shift.id", name="fk_staff_session_shift_id_operator_shift"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_session"),
        sa.UniqueConstraint("token_hash", name="uq_staff_session_token_hash"),
    )
    op.create_index("ix_staff_session_operator_id", "staff_session", ["operator_id"])
    op.create_table(
        "device_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_device_token"),
        sa.UniqueConstraint("name", name="uq_device_token_name"),
        sa.UniqueConstraint("token_hash", name="uq_device_token_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("device_token")
    op.drop_index("ix_staff_session_operator_id", table_name="staff_session")
    op.drop_table("staff_session")
