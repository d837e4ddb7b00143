"""The tables of the panel's voice: recommendations, amendments, support, the slate, the council.

Rules live in `facilitation.recommendations` and `facilitation.deliberation.slate`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base
from server.db.types import utcnow


class RecommendationRow(Base):
    """A recommendation of a recommendations step (`facilitation.recommendations.drafts`).

    `tables` lists every table it came from (more than one after a merge). `outcome`
    and `support` are written when the step closes: the frozen adoption and counts.
    """

    __tablename__ = "recommendations"
    __table_args__ = (Index("ix_recommendations_panel_step", "panel_id", "step_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(Integer)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12), default="active")
    tables: Mapped[list[int]] = mapped_column(JSON, default=list)
    merged_into: Mapped[int | None] = mapped_column(Integer, default=None)
    outcome: Mapped[str | None] = mapped_column(String(12), default=None)
    support: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecommendationVersion(Base):
    """Every wording a recommendation had, and what made it; never changed or deleted."""

    __tablename__ = "recommendation_versions"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(String(12))
    amendment_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AmendmentRow(Base):
    __tablename__ = "amendments"
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    table_id: Mapped[int] = mapped_column(Integer)
    base_version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="proposed")
    decided_by: Mapped[str | None] = mapped_column(String(12), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class AmendmentVote(Base):
    """Yes or no on an amendment in a quick vote: one per participant, the last counts."""

    __tablename__ = "amendment_votes"
    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    choice: Mapped[str] = mapped_column(String(4))


class SupportLevel(Base):
    """A participant's level of support for a recommendation; giving it again replaces it."""

    __tablename__ = "support_levels"
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinorityStatement(Base):
    """A statement by someone who cannot support a recommendation.

    `table_id` is set only when the statement is signed with the table's number; the
    participant is kept to replace or withdraw their own statement, and never shown.
    """

    __tablename__ = "minority_statements"
    __table_args__ = (UniqueConstraint("recommendation_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE")
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), default=None
    )
    table_id: Mapped[int | None] = mapped_column(Integer, default=None)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionSlate(Base):
    """A slate of expert questions as chosen (or overridden); the latest one counts.

    `chosen` lists question ids in the order chosen, `serves` maps each to the tables
    that want it, `ejr` holds the check (and a witness when it fails).
    """

    __tablename__ = "question_slates"
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    chosen: Mapped[list[int]] = mapped_column(JSON, default=list)
    rule_chose: Mapped[list[int]] = mapped_column(JSON, default=list)
    serves: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ejr: Mapped[dict[str, Any]] = mapped_column(default=dict)
    voters: Mapped[int] = mapped_column(Integer, default=0)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)


class CouncilAnswerRow(Base):
    """One answer of the council to an adopted recommendation; updates are new rows."""

    __tablename__ = "council_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    link: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(Integer, default=None)


class FollowUpLink(Base):
    """The public follow-up page's address of a panel: made once, never changed."""

    __tablename__ = "follow_up_links"
    panel_id: Mapped[int] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True)
