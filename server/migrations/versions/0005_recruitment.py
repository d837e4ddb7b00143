"""recruitment

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 05:46:28.778179
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arm_splits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("control_share", sa.String(length=12), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("controls", sa.Integer(), nullable=False),
        sa.Column("balance", sa.JSON(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_arm_splits_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arm_splits")),
    )
    op.create_table(
        "draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("test", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("algorithm", sa.String(length=12), nullable=False),
        sa.Column("panel_size", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("effort", sa.JSON(), nullable=False),
        sa.Column("inputs_digest", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("library_version", sa.String(length=30), nullable=False),
        sa.Column("solver_version", sa.String(length=30), nullable=False),
        sa.Column("pool_version", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=30), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("runner", sa.String(length=120), nullable=True),
        sa.Column("heartbeat_at", server.db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", server.db.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", server.db.types.UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("failure", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_draws_panel_id_panels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
    )
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.create_index("ix_draws_panel_state", ["panel_id", "state"], unique=False)

    op.create_table(
        "recruitments",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("panel_size", sa.Integer(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("shares", sa.JSON(), nullable=True),
        sa.Column("slack", sa.Integer(), nullable=False),
        sa.Column("targets_file", sa.String(length=200), nullable=False),
        sa.Column("targets_at", server.db.types.UTCDateTime(), nullable=False),
        sa.Column("people_file", sa.String(length=200), nullable=True),
        sa.Column("people_at", server.db.types.UTCDateTime(), nullable=True),
        sa.Column("id_column", sa.String(length=100), nullable=False),
        sa.Column("household_column", sa.String(length=100), nullable=True),
        sa.Column("extra_columns", sa.JSON(), nullable=False),
        sa.Column("contact_columns", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_recruitments_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("panel_id", name=op.f("pk_recruitments")),
    )
    op.create_table(
        "recruits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("extras", sa.JSON(), nullable=False),
        sa.Column("household", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("arm", sa.String(length=12), nullable=True),
        sa.Column("selected_in", sa.Integer(), nullable=True),
        sa.Column("status_at", server.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_recruits_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruits")),
        sa.UniqueConstraint("panel_id", "external_id", name=op.f("uq_recruits_panel_id")),
    )
    with op.batch_alter_table("recruits", schema=None) as batch_op:
        batch_op.create_index("ix_recruits_panel_status", ["panel_id", "status"], unique=False)

    op.create_table(
        "seating_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("diversify", sa.JSON(), nullable=False),
        sa.Column("clusters", sa.JSON(), nullable=False),
        sa.Column("pins", sa.JSON(), nullable=False),
        sa.Column("earlier", sa.JSON(), nullable=False),
        sa.Column("seats", sa.JSON(), nullable=False),
        sa.Column("score", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("applied_at", server.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_seating_plans_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seating_plans")),
    )
    op.create_table(
        "recruit_contacts",
        sa.Column("recruit_id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_recruit_contacts_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recruit_id"],
            ["recruits.id"],
            name=op.f("fk_recruit_contacts_recruit_id_recruits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recruit_id", name=op.f("pk_recruit_contacts")),
    )
    with op.batch_alter_table("recruit_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recruit_contacts_panel_id"), ["panel_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("recruit_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recruit_contacts_panel_id"))

    op.drop_table("recruit_contacts")
    op.drop_table("seating_plans")
    with op.batch_alter_table("recruits", schema=None) as batch_op:
        batch_op.drop_index("ix_recruits_panel_status")

    op.drop_table("recruits")
    op.drop_table("recruitments")
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.drop_index("ix_draws_panel_state")

    op.drop_table("draws")
    op.drop_table("arm_splits")
