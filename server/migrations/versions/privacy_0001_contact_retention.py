"""contact retention: how long a pool's contact data are kept, and their erasure

Revision ID: privacy_0001
Revises: 0005
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db.types

revision = "privacy_0001"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_retention",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=True),
        sa.Column("erased", sa.String(length=12), nullable=True),
        sa.Column("erased_at", server.db.types.UTCDateTime(), nullable=True),
        sa.Column("erased_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["panel_id"], ["panels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("panel_id"),
    )


def downgrade() -> None:
    op.drop_table("contact_retention")
