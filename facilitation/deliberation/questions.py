"""Questions for the expert panel: drafted at the tables, queued and answered in plenary.

    draft ──send──▶ pending (pre-moderation) ──approve──▶ queued
    draft ──send──▶ queued (post-moderation)
    queued ──answer now──▶ answering ──mark answered──▶ answered
    answering ──put back──▶ queued;  queued ──mark answered──▶ answered
    pending | queued ──hide──▶ hidden ──restore──▶ queued
    draft | pending ──withdraw──▶ withdrawn

This module holds the questions and what the tables and the lead do to them before
the plenary; `facilitation.deliberation.plenary` holds upvotes and the queue.
A question belongs to its table, not to whoever typed it: anyone seated there may edit,
send or withdraw it while it is a draft, or pending before the lead has acted on it
(`moderated`). Once queued it belongs to the plenary: others may have upvoted it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from facilitation.deliberation.limits import (
    SUBMISSION_RATE,
    RateRule,
    check_rate,
    checked_limit,
    reached,
)
from facilitation.deliberation.states import (
    HideReason,
    ModerationMode,
    QuestionState,
    checked_hide_note,
    parse_hide_reason,
)
from facilitation.deliberation.text import checked_text
from facilitation.errors import N_, Refused
from facilitation.steps import Step, StepKind

QUESTION_MAX = 300

# Drafts a table threw away give their slot back; anything sent still counts.
COUNTS_TOWARD_LIMITS = frozenset(QuestionState) - {QuestionState.WITHDRAWN}
SENT_STATES = frozenset(QuestionState) - {QuestionState.DRAFT, QuestionState.WITHDRAWN}


@dataclass(frozen=True)
class Question:
    """A question as stored; `position` is the lead's explicit place for it in the queue."""

    id: int
    table_id: int
    author_id: int
    text: str
    created_at: datetime
    state: QuestionState = QuestionState.DRAFT
    sent_at: datetime | None = None
    position: int | None = None
    answered_at: datetime | None = None
    moderated: bool = False
    edited: bool = False
    hidden_reason: HideReason | None = None
    hidden_note: str = ""


@dataclass(frozen=True)
class NewQuestion:
    table_id: int
    author_id: int
    text: str
    created_at: datetime

    def stored_as(self, question_id: int) -> Question:
        return Question(question_id, self.table_id, self.author_id, self.text, self.created_at)


@dataclass(frozen=True)
class QuestionRules:
    """What a questions step allows. A limit of None means no limit."""

    per_table: int | None = None
    sent_per_table: int | None = None
    upvotes: bool = True
    rate: RateRule = SUBMISSION_RATE

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> QuestionRules:
        upvotes = settings.get("question_upvotes", True)
        if not isinstance(upvotes, bool):
            raise ValueError("step settings: question_upvotes must be true or false")
        return cls(
            per_table=checked_limit(settings.get("questions_per_table")),
            sent_per_table=checked_limit(settings.get("questions_sent_per_table")),
            upvotes=upvotes,
        )

    def to_settings(self) -> dict[str, Any]:
        return {
            "questions_per_table": self.per_table,
            "questions_sent_per_table": self.sent_per_table,
            "question_upvotes": self.upvotes,
        }


def question_rules(step: Step) -> QuestionRules:
    if step.kind is not StepKind.QUESTIONS:
        raise Refused(N_("Questions can only be written during the questions step."))
    return QuestionRules.from_settings(step.settings)


def checked_question_text(text: str) -> str:
    return checked_text(
        text,
        QUESTION_MAX,
        empty=N_("Write the question before saving it."),
        too_long=N_("A question can be at most %(max)s characters; this one is %(over)s too long."),
    )


# Drafting and sending, by the table.


def draft_question(
    rules: QuestionRules,
    *,
    table_id: int | None,
    author_id: int,
    text: str,
    table_questions: int,
    recent: Sequence[datetime],
    now: datetime,
) -> NewQuestion:
    """A new draft; `table_questions` counts the table's questions in `COUNTS_TOWARD_LIMITS`,
    `recent` the times of the participant's latest submissions (for the rate rule)."""
    if table_id is None:
        raise Refused(N_("Sit down at a table before writing questions."))
    if reached(rules.per_table, table_questions):
        raise Refused(
            N_("Your table has written %(limit)s questions, which is as many as this step allows."),
            limit=rules.per_table,
        )
    check_rate(rules.rate, recent, now)
    return NewQuestion(table_id, author_id, checked_question_text(text), now)


def edit_question(question: Question, table_id: int | None, text: str) -> Question:
    _check_table_may_change(question, table_id)
    clean = checked_question_text(text)
    if clean == question.text:
        raise Refused(N_("The text is unchanged."))
    return replace(question, text=clean)


def withdraw_question(question: Question, table_id: int | None) -> Question:
    _check_table_may_change(question, table_id)
    return replace(question, state=QuestionState.WITHDRAWN)


def send_question(
    question: Question,
    table_id: int | None,
    mode: ModerationMode,
    rules: QuestionRules,
    *,
    sent_by_table: int,
    now: datetime,
) -> Question:
    """Send a draft to the lead; `sent_by_table` counts the table's questions in `SENT_STATES`."""
    _check_own_table(question, table_id)
    if question.state is not QuestionState.DRAFT:
        raise Refused(N_("This question has already been sent."))
    if reached(rules.sent_per_table, sent_by_table):
        raise Refused(
            N_("Your table has sent %(limit)s questions, which is as many as this step allows."),
            limit=rules.sent_per_table,
        )
    state = QuestionState.PENDING if mode is ModerationMode.PRE else QuestionState.QUEUED
    return replace(question, state=state, sent_at=now)


def table_may_change(question: Question, table_id: int | None) -> bool:
    """Whether to offer the table edit and withdraw buttons; the actions check again."""
    try:
        _check_table_may_change(question, table_id)
    except Refused:
        return False
    return True


# Moderation, by the lead.


def approve_question(question: Question) -> Question:
    if question.state is not QuestionState.PENDING:
        raise Refused(N_("Only a question waiting for approval can be approved."))
    return replace(question, state=QuestionState.QUEUED, moderated=True)


def hide_question(question: Question, reason: str | HideReason, note: str = "") -> Question:
    if question.state not in (QuestionState.PENDING, QuestionState.QUEUED):
        raise Refused(N_("Only a sent question that is not yet answered can be hidden."))
    return replace(
        question,
        state=QuestionState.HIDDEN,
        moderated=True,
        position=None,
        hidden_reason=parse_hide_reason(reason),
        hidden_note=checked_hide_note(note),
    )


def restore_question(question: Question) -> Question:
    if question.state is not QuestionState.HIDDEN:
        raise Refused(N_("Only a hidden question can be restored."))
    return replace(
        question, state=QuestionState.QUEUED, moderated=True, hidden_reason=None, hidden_note=""
    )


def edit_question_by_lead(question: Question, text: str) -> Question:
    """The lead tidies a question before it goes on the projector; it shows as edited."""
    if question.state in (QuestionState.DRAFT, QuestionState.WITHDRAWN):
        raise Refused(N_("Only a sent question can be edited by the lead."))
    clean = checked_question_text(text)
    if clean == question.text:
        raise Refused(N_("The text is unchanged."))
    return replace(question, text=clean, edited=True, moderated=True)


def _check_own_table(question: Question, table_id: int | None) -> None:
    if table_id is None or table_id != question.table_id:
        raise Refused(N_("Only the table that wrote a question can change it."))


def _check_table_may_change(question: Question, table_id: int | None) -> None:
    _check_own_table(question, table_id)
    if question.state is QuestionState.WITHDRAWN:
        raise Refused(N_("This question has been withdrawn."))
    if question.state is QuestionState.DRAFT:
        return
    if question.state is QuestionState.PENDING and not question.moderated:
        return
    raise Refused(N_("This question is with the lead now, so ask them to change it."))
