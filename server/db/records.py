"""Rows ↔ the domain's frozen dataclasses, for arguments, questions and steps."""

from __future__ import annotations

from facilitation.deliberation.arguments import Argument, Stance
from facilitation.deliberation.questions import Question
from facilitation.deliberation.states import ArgumentState, HideReason, QuestionState
from facilitation.steps import Step, StepKind
from server.db.models import ArgumentRow, QuestionRow
from server.db.models import Step as StepRow


def step_row(panel_id: int, position: int, step: Step) -> StepRow:
    return StepRow(
        panel_id=panel_id,
        position=position,
        kind=step.kind.value,
        title=step.title,
        body=step.body,
        timer_seconds=step.timer_seconds,
        settings=dict(step.settings),
        revision=1,
    )


def step_of(row: StepRow) -> Step:
    return Step(StepKind(row.kind), row.title, row.body, row.timer_seconds, dict(row.settings))


def argument_of(row: ArgumentRow) -> Argument:
    return Argument(
        id=row.id,
        table_id=row.table_id,
        author_id=row.author_id,
        proposal_id=row.proposal_id,
        stance=Stance(row.stance),
        text=row.text,
        submitted_at=row.submitted_at,
        state=ArgumentState(row.state),
        moderated=row.moderated,
        edited=row.edited,
        hidden_reason=HideReason(row.hidden_reason) if row.hidden_reason else None,
        hidden_note=row.hidden_note,
        merged_into=row.merged_into,
        merged_tables=frozenset(row.merged_tables or ()),
        merged_submissions=row.merged_submissions,
    )


def store_argument(row: ArgumentRow, argument: Argument) -> None:
    """Write a changed argument back onto its row."""
    row.text = argument.text
    row.state = argument.state.value
    row.moderated = argument.moderated
    row.edited = argument.edited
    row.hidden_reason = argument.hidden_reason.value if argument.hidden_reason else None
    row.hidden_note = argument.hidden_note
    row.merged_into = argument.merged_into
    row.merged_tables = sorted(argument.merged_tables)
    row.merged_submissions = argument.merged_submissions


def question_of(row: QuestionRow) -> Question:
    return Question(
        id=row.id,
        table_id=row.table_id,
        author_id=row.author_id,
        text=row.text,
        created_at=row.created_at,
        state=QuestionState(row.state),
        sent_at=row.sent_at,
        position=row.position,
        answered_at=row.answered_at,
        moderated=row.moderated,
        edited=row.edited,
        hidden_reason=HideReason(row.hidden_reason) if row.hidden_reason else None,
        hidden_note=row.hidden_note,
    )


def store_question(row: QuestionRow, question: Question) -> None:
    row.text = question.text
    row.state = question.state.value
    row.sent_at = question.sent_at
    row.position = question.position
    row.answered_at = question.answered_at
    row.moderated = question.moderated
    row.edited = question.edited
    row.hidden_reason = question.hidden_reason.value if question.hidden_reason else None
    row.hidden_note = question.hidden_note
