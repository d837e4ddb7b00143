"""The recruitment tables: candidate pools, draws, recruits and seating plans.

Contact details (names, addresses, e-mail, phone) live only in `recruit_contacts`,
one row per recruit, read by the organiser's pages and the mail-merge export and by
nothing else. Everything else here holds ids, category values and numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base
from server.db.types import utcnow


class Recruitment(Base):
    """A panel's recruitment settings: panel size, targets, and what the people file held.

    `targets` keeps the organiser's order: `[[feature, [[value, min, max, min_flex,
    max_flex], ...]], ...]` (`max_flex` null: as far as the panel size allows).
    `shares` is the population's share per value in the same shape (`"3/8"` strings,
    exact) when the organiser gave shares, else null. `version` changes whenever
    something a draw depends on changes (targets, pool, who holds a seat), so a draw
    that finishes after such a change is not applied.
    """

    __tablename__ = "recruitments"
    panel_id: Mapped[int] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True
    )
    panel_size: Mapped[int] = mapped_column(Integer)
    targets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    shares: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    slack: Mapped[int] = mapped_column(Integer, default=0)
    targets_file: Mapped[str] = mapped_column(String(200), default="")
    targets_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The people file: which columns meant what (names only, never values).
    people_file: Mapped[str | None] = mapped_column(String(200), default=None)
    people_at: Mapped[datetime | None] = mapped_column(default=None)
    id_column: Mapped[str] = mapped_column(String(100), default="id")
    household_column: Mapped[str | None] = mapped_column(String(100), default=None)
    extra_columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    contact_columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Recruit(Base):
    """A person in the candidate pool, as the draw and the seating see them.

    `external_id` is the id from the organiser's file; `features` the category values
    of the targets' features; `extras` further category columns kept for seating
    (a language, hearing needs); `household` an opaque token shared by people at one
    address. `status`: pool → selected → confirmed / withdrawn. `arm`: participant or
    control once the panel is split, else null.
    """

    __tablename__ = "recruits"
    __table_args__ = (
        UniqueConstraint("panel_id", "external_id"),
        Index("ix_recruits_panel_status", "panel_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(100))
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    household: Mapped[str | None] = mapped_column(String(20), default=None)
    status: Mapped[str] = mapped_column(String(12), default="pool")
    arm: Mapped[str | None] = mapped_column(String(12), default=None)
    selected_in: Mapped[int | None] = mapped_column(Integer, default=None)
    status_at: Mapped[datetime | None] = mapped_column(default=None)


class RecruitContact(Base):
    """A recruit's contact columns, kept apart: organiser pages and the mail merge only."""

    __tablename__ = "recruit_contacts"
    recruit_id: Mapped[int] = mapped_column(
        ForeignKey("recruits.id", ondelete="CASCADE"), primary_key=True
    )
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Draw(Base):
    """One run of the stratified lottery, as a background job, and what it gave.

    `state`: running → finished | failed | cancelled | interrupted. A running job
    has a `runner` (host:pid of the server process watching the worker) and a
    `heartbeat_at` it refreshes every few seconds; a job whose heartbeat went stale
    lost its server and is marked interrupted. `kind` is `draw` (the panel) or
    `replacement` (seats of people who withdrew); a `test` draw changes nobody's status.
    `inputs` is the canonical document the draw saw (ids, category values, household
    numbers; no contacts), whose SHA-256 is `inputs_digest`.
    """

    __tablename__ = "draws"
    __table_args__ = (Index("ix_draws_panel_state", "panel_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    test: Mapped[bool] = mapped_column(default=False, server_default=false())
    state: Mapped[str] = mapped_column(String(12))
    seed: Mapped[int] = mapped_column(BigInteger)
    algorithm: Mapped[str] = mapped_column(String(12))
    panel_size: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    pool_size: Mapped[int] = mapped_column(Integer)
    effort: Mapped[dict[str, Any]] = mapped_column(default=dict)
    inputs_digest: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[str] = mapped_column(Text, deferred=True)
    library_version: Mapped[str] = mapped_column(String(30), default="")
    solver_version: Mapped[str] = mapped_column(String(30), default="")
    pool_version: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str | None] = mapped_column(String(30), default=None)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer, default=None)
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    runner: Mapped[str | None] = mapped_column(String(120), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    # Finished: selected ids, probabilities, fairness, notes. Failed: message and advice.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class ArmSplit(Base):
    """The random split into participants and a control group, and its balance."""

    __tablename__ = "arm_splits"
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(12))  # panel | pool
    seed: Mapped[int] = mapped_column(BigInteger)
    strata: Mapped[list[Any]] = mapped_column(JSON, default=list)
    control_share: Mapped[str] = mapped_column(String(12))  # "1/2"
    participants: Mapped[int] = mapped_column(Integer)
    controls: Mapped[int] = mapped_column(Integer)
    balance: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)


class SeatingPlan(Base):
    """Who sits at which table, proposed from the participants present, then applied.

    `seats` and `pins` map participant ids (as strings) to table ids; `earlier` lists
    the plans whose pairs this one avoids repeating (round two onwards).
    """

    __tablename__ = "seating_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # proposed | applied | discarded
    seed: Mapped[int] = mapped_column(BigInteger)
    diversify: Mapped[list[Any]] = mapped_column(JSON, default=list)
    clusters: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pins: Mapped[dict[str, Any]] = mapped_column(default=dict)
    earlier: Mapped[list[Any]] = mapped_column(JSON, default=list)
    seats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    applied_at: Mapped[datetime | None] = mapped_column(default=None)
