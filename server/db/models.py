"""The tables. One class per thing the panel talks about; rules live in `facilitation`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.db.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Account(Base):
    """An organiser or facilitator who logs in with e-mail and password."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # organiser | facilitator
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Panel(Base):
    __tablename__ = "panels"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    question: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="nb")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The open step, by id so that reordering steps never opens another one.
    current_step_id: Mapped[int | None] = mapped_column(Integer, default=None)
    resume_step_id: Mapped[int | None] = mapped_column(Integer, default=None)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    join_code_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    display_token: Mapped[str] = mapped_column(String(64), unique=True)
    # The panel's event counter: every change bumps it in the same transaction.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    timer_ends_at: Mapped[datetime | None] = mapped_column(default=None)
    timer_remaining: Mapped[int | None] = mapped_column(Integer, default=None)
    # Pre-moderation: arguments wait for approval; post: visible at once, can be hidden.
    moderation: Mapped[str] = mapped_column(String(10), default="pre", server_default="pre")
    # Whether facilitators see which participant wrote what (default: only the table).
    authors_visible: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PanelMember(Base):
    """A facilitator who works on a panel; facilitators see only their panels."""

    __tablename__ = "panel_members"
    panel_id: Mapped[int] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )


class Step(Base):
    __tablename__ = "steps"
    __table_args__ = (Index("ix_steps_panel_position", "panel_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    timer_seconds: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Bumped on every edit; screens keep a half-filled form while it is unchanged.
    revision: Mapped[int] = mapped_column(Integer, default=1)


class PanelTable(Base):
    """A table in the room (a group of 6-10 people with a host)."""

    __tablename__ = "panel_tables"
    __table_args__ = (UniqueConstraint("panel_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40))


class Participant(Base):
    """An anonymous person on a phone: a number in the panel and a seat, nothing more."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("panel_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    table_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_tables.id", ondelete="SET NULL"), default=None
    )
    # A random id for exports, so research data never carries the row id.
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the person joined with a personal invite code: links their surveys.
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("invites.id", ondelete="SET NULL", use_alter=True), default=None
    )


class AuditEvent(Base):
    """Append-only record of who did what, when; its `seq` orders a panel's history."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("panel_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int | None] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), default=None
    )
    seq: Mapped[int | None] = mapped_column(Integer, default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))  # account | participant | system
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    action: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IdempotencyKey(Base):
    """A write that a phone may retry: the first result is kept and returned again."""

    __tablename__ = "idempotency_keys"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Proposal(Base):
    """A proposal the panel discusses and votes on."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_panel_position", "panel_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class ArgumentRow(Base):
    """An argument a table sent in a discussion step (`facilitation.deliberation.Argument`)."""

    __tablename__ = "arguments"
    __table_args__ = (Index("ix_arguments_panel_step", "panel_id", "step_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL"), default=None
    )
    stance: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))
    moderated: Mapped[bool] = mapped_column(default=False)
    edited: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(30), default=None)
    hidden_note: Mapped[str] = mapped_column(Text, default="")
    merged_into: Mapped[int | None] = mapped_column(Integer, default=None)
    merged_tables: Mapped[list[int]] = mapped_column(JSON, default=list)
    merged_submissions: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatementVote(Base):
    """Agree / disagree / pass on another table's argument: one per participant."""

    __tablename__ = "statement_votes"
    __table_args__ = (UniqueConstraint("argument_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionRow(Base):
    """A table's question for the expert panel (`facilitation.deliberation.Question`)."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_panel_step", "panel_id", "step_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    position: Mapped[int | None] = mapped_column(Integer, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    moderated: Mapped[bool] = mapped_column(default=False)
    edited: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(30), default=None)
    hidden_note: Mapped[str] = mapped_column(Text, default="")


class QuestionUpvote(Base):
    __tablename__ = "question_upvotes"
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )


class Ballot(Base):
    """One ballot's content; for a secret vote, nothing here names the voter.

    `voter` is a keyed hash of step and participant for secret ballots (the server can
    find a participant's ballot to replace it; nobody can go the other way without the
    secret key), `table:<id>` for a table's ballot, and random for a paper ballot. The
    id is random too and there is no timestamp, so order of casting cannot be matched
    to the receipts.
    """

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("step_id", "voter"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(10))  # phone | assisted | paper | table
    table_id: Mapped[int | None] = mapped_column(Integer, default=None)  # paper/table only
    entered_by: Mapped[int | None] = mapped_column(Integer, default=None)


class BallotReceipt(Base):
    """Who has voted in a step (never what): turnout, and a phone's "you voted"."""

    __tablename__ = "ballot_receipts"
    step_id: Mapped[int] = mapped_column(
        ForeignKey("steps.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    table_id: Mapped[int | None] = mapped_column(Integer, default=None)
    assisted: Mapped[bool] = mapped_column(default=False)


class VoteResult(Base):
    """A closed vote, frozen: the result, how many ballots, and a digest of the ballot set."""

    __tablename__ = "vote_results"
    step_id: Mapped[int] = mapped_column(
        ForeignKey("steps.id", ondelete="CASCADE"), primary_key=True
    )
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ballots: Mapped[int] = mapped_column(Integer)
    sources: Mapped[dict[str, Any]] = mapped_column(default=dict)
    digest: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(Integer, default=None)


class Invite(Base):
    """A personal code: links someone's survey at home, their seat and their survey after.

    `role` is `participant` (comes to the panel) or `control` (answers both surveys at
    home and never joins). The code reveals nothing about the person; `recruit_id`
    links it to the recruitment record that only organisers see.
    """

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(24), unique=True)
    role: Mapped[str] = mapped_column(String(12))  # participant | control
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    recruit_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyAnswer(Base):
    """One answer of one respondent to one survey item.

    `respondent` is `i:<invite id>` for someone with a personal code (so answers at
    home and at the event pair up), else `p:<participant id>`.
    """

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("step_id", "respondent", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    respondent: Mapped[str] = mapped_column(String(24))
    item_key: Mapped[str] = mapped_column(String(40))
    answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OpinionState(Base):
    """A discussion's opinion groups as last computed, shared by every server process.

    `memory` is what the next update starts from (`facilitation.opinion.state`), computed
    from the votes whose fingerprint is `votes`, starting from `started`. A cache of
    what the votes imply, kept so that group A is the same group on every process.
    """

    __tablename__ = "opinion_states"
    step_id: Mapped[int] = mapped_column(
        ForeignKey("steps.id", ondelete="CASCADE"), primary_key=True
    )
    votes: Mapped[str] = mapped_column(String(64))
    started: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    memory: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
