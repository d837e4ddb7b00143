"""opinion groups shared by every server process

Revision ID: opinion_0001
Revises: security_0001
Create Date: 2026-12-02 11:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db.types

revision = "opinion_0001"
down_revision = "security_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opinion_states",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.String(length=64), nullable=False),
        sa.Column("started", sa.JSON(), nullable=True),
        sa.Column("memory", sa.JSON(), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["steps.id"],
            name=op.f("fk_opinion_states_step_id_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_opinion_states")),
    )


def downgrade() -> None:
    op.drop_table("opinion_states")
