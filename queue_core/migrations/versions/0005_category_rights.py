"""the register of rights: each category's legal basis and the dates it is in force

``category.basis`` (text, '' when not recorded), ``valid_from`` and ``valid_to`` (dates, inclusive,
NULL = open-ended). Existing categories get an empty basis and no limits; ``talon config apply``
writes what config.toml says (the processes refuse to start until it has: the catalogue in the
database differs from their config).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate may render sqlmodel types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('basis')
