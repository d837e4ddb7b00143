"""Who may read submitted text: the one place that decides it.

Arguments (the authoring table is `table_id`; tables merged in later do not count):

| state     | its own table            | other tables, phones, one phone, display | facilitators |
| --------- | ------------------------ | ----------------------------------------- | ------------ |
| pending   | text                     | nothing                                   | text         |
| approved  | text                     | text                                      | text         |
| hidden    | placeholder with reason  | nothing                                   | text, note   |
| merged    | placeholder with target  | nothing                                   | text         |
| withdrawn | nothing                  | nothing                                   | text         |

Questions for the expert panel:

| state                          | its own table           | everyone else | facilitators |
| ------------------------------ | ----------------------- | ------------- | ------------ |
| draft, pending                 | text                    | nothing       | text         |
| queued, answering, answered    | text                    | text          | text         |
| hidden                         | placeholder with reason | nothing       | text, note   |
| withdrawn                      | nothing                 | nothing       | text         |

Hidden text is not shown even to the table that wrote it: hiding is a takedown (a name,
a remark about someone at the table), and table phones lie face up where others pass.
The table still sees that something of theirs was hidden, and why.

Render submitted text only from `argument_views` / `question_views` (or check
`visible_to` first). A view carries `text=None` wherever the audience may not read it,
and never carries the author; the facilitator's note is in the facilitators' view only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from facilitation.deliberation.arguments import Argument, Stance
from facilitation.deliberation.audience import Audience, AudienceKind, parse_audience
from facilitation.deliberation.questions import Question
from facilitation.deliberation.states import ArgumentState, HideReason, QuestionState

_PUBLIC_QUESTIONS = frozenset(
    {QuestionState.QUEUED, QuestionState.ANSWERING, QuestionState.ANSWERED}
)
_TABLE_QUESTIONS = _PUBLIC_QUESTIONS | {QuestionState.DRAFT, QuestionState.PENDING}


@dataclass(frozen=True)
class ArgumentView:
    """An argument as one audience may see it. `text` is None for a placeholder."""

    id: int
    table_id: int
    tables: frozenset[int]
    submissions: int
    proposal_id: int | None
    stance: Stance
    state: ArgumentState
    submitted_at: datetime
    text: str | None
    edited: bool
    hidden_reason: HideReason | None = None
    merged_into: int | None = None
    note: str = ""


@dataclass(frozen=True)
class QuestionView:
    """A question as one audience may see it. `text` is None for a placeholder."""

    id: int
    table_id: int
    state: QuestionState
    text: str | None
    edited: bool
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    hidden_reason: HideReason | None = None
    note: str = ""


def visible_to(item: Argument | Question, audience: str | Audience) -> bool:
    """Whether this audience may read the item's text."""
    view: ArgumentView | QuestionView | None
    if isinstance(item, Argument):
        view = argument_view(item, audience)
    else:
        view = question_view(item, audience)
    return view is not None and view.text is not None


def argument_view(argument: Argument, audience: str | Audience) -> ArgumentView | None:
    """The argument as the audience may see it, or None if it may not know of it."""
    who = parse_audience(audience)
    state = argument.state
    if who.kind is AudienceKind.FACILITATORS:
        return _argument_view(argument, argument.text, note=argument.hidden_note)
    if state is ArgumentState.APPROVED and who.kind is not AudienceKind.NOBODY:
        return _argument_view(argument, argument.text)
    if who.kind is not AudienceKind.TABLE or who.table_id != argument.table_id:
        return None
    if state is ArgumentState.PENDING:
        return _argument_view(argument, argument.text)
    if state in (ArgumentState.HIDDEN, ArgumentState.MERGED):
        return _argument_view(argument, None)
    return None


def argument_views(arguments: Iterable[Argument], audience: str | Audience) -> list[ArgumentView]:
    who = parse_audience(audience)
    return [view for a in arguments if (view := argument_view(a, who)) is not None]


def question_view(question: Question, audience: str | Audience) -> QuestionView | None:
    """The question as the audience may see it, or None if it may not know of it."""
    who = parse_audience(audience)
    state = question.state
    if who.kind is AudienceKind.FACILITATORS:
        return _question_view(question, question.text, note=question.hidden_note)
    if state in _PUBLIC_QUESTIONS and who.kind is not AudienceKind.NOBODY:
        return _question_view(question, question.text)
    if who.kind is not AudienceKind.TABLE or who.table_id != question.table_id:
        return None
    if state in _TABLE_QUESTIONS:
        return _question_view(question, question.text)
    if state is QuestionState.HIDDEN:
        return _question_view(question, None)
    return None


def question_views(questions: Iterable[Question], audience: str | Audience) -> list[QuestionView]:
    who = parse_audience(audience)
    return [view for q in questions if (view := question_view(q, who)) is not None]


def _argument_view(argument: Argument, text: str | None, note: str = "") -> ArgumentView:
    return ArgumentView(
        id=argument.id,
        table_id=argument.table_id,
        tables=argument.tables,
        submissions=argument.submissions,
        proposal_id=argument.proposal_id,
        stance=argument.stance,
        state=argument.state,
        submitted_at=argument.submitted_at,
        text=text,
        edited=argument.edited,
        hidden_reason=argument.hidden_reason,
        merged_into=argument.merged_into,
        note=note,
    )


def _question_view(question: Question, text: str | None, note: str = "") -> QuestionView:
    return QuestionView(
        id=question.id,
        table_id=question.table_id,
        state=question.state,
        text=text,
        edited=question.edited,
        created_at=question.created_at,
        sent_at=question.sent_at,
        answered_at=question.answered_at,
        hidden_reason=question.hidden_reason,
        note=note,
    )
