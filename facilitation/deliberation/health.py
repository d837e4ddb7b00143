"""How each table is doing, for the facilitators' overview.

Facilitators need to see which tables are stuck or have said nothing yet, so they can
go over and help; they do not need to know which person wrote what, and the overview
never says. Everything here is counts: the input may be built from stored rows with
`activity_from`, and only numbers come out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from facilitation.deliberation.arguments import Argument
from facilitation.deliberation.questions import SENT_STATES, Question
from facilitation.deliberation.states import ArgumentState, QuestionState


@dataclass(frozen=True)
class TableActivity:
    """What a table has done so far, as counts.

    `contributors` is how many of the people seated there now have sent an argument
    or started a question; it is never more than `participants`.
    """

    table_id: int
    participants: int
    contributors: int
    arguments: Mapping[ArgumentState, int] = field(default_factory=dict)
    questions: Mapping[QuestionState, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TableHealth:
    table_id: int
    participants: int
    contributors: int
    pending: int
    approved: int
    hidden: int
    questions_drafted: int
    questions_sent: int
    silent: bool
    """Nothing sent or drafted yet, not counting what the table withdrew."""


@dataclass(frozen=True)
class PanelHealth:
    tables: tuple[TableHealth, ...]
    participants: int
    contributors: int
    pending: int
    silent_tables: tuple[int, ...]


def table_health(activity: TableActivity) -> TableHealth:
    arguments, questions = activity.arguments, activity.questions
    said = sum(n for s, n in arguments.items() if s is not ArgumentState.WITHDRAWN) + sum(
        n for s, n in questions.items() if s is not QuestionState.WITHDRAWN
    )
    return TableHealth(
        table_id=activity.table_id,
        participants=activity.participants,
        contributors=min(activity.contributors, activity.participants),
        pending=arguments.get(ArgumentState.PENDING, 0),
        approved=arguments.get(ArgumentState.APPROVED, 0),
        hidden=arguments.get(ArgumentState.HIDDEN, 0),
        questions_drafted=questions.get(QuestionState.DRAFT, 0),
        questions_sent=sum(n for s, n in questions.items() if s in SENT_STATES),
        silent=said == 0,
    )


def panel_health(activities: Iterable[TableActivity]) -> PanelHealth:
    """Every table's health in the order given, with totals for the header."""
    tables = tuple(table_health(a) for a in activities)
    return PanelHealth(
        tables=tables,
        participants=sum(t.participants for t in tables),
        contributors=sum(t.contributors for t in tables),
        pending=sum(t.pending for t in tables),
        silent_tables=tuple(t.table_id for t in tables if t.silent),
    )


def activity_from(
    tables: Sequence[int],
    seated: Mapping[int, int | None],
    arguments: Iterable[Argument],
    questions: Iterable[Question],
) -> list[TableActivity]:
    """Counts per table from stored rows; `seated` maps participant id to table id.

    A contributor is counted at the table where they sit now, and only if they wrote
    for that table, so someone moved mid-session is not counted twice.
    """
    argument_counts: dict[int, Counter[ArgumentState]] = {t: Counter() for t in tables}
    question_counts: dict[int, Counter[QuestionState]] = {t: Counter() for t in tables}
    contributors: dict[int, set[int]] = {t: set() for t in tables}
    for argument in arguments:
        if argument.table_id in argument_counts:
            argument_counts[argument.table_id][argument.state] += 1
            if seated.get(argument.author_id) == argument.table_id:
                contributors[argument.table_id].add(argument.author_id)
    for question in questions:
        if question.table_id in question_counts:
            question_counts[question.table_id][question.state] += 1
            if seated.get(question.author_id) == question.table_id:
                contributors[question.table_id].add(question.author_id)
    people = Counter(t for t in seated.values() if t is not None)
    return [
        TableActivity(
            table_id=t,
            participants=people[t],
            contributors=len(contributors[t]),
            arguments=dict(argument_counts[t]),
            questions=dict(question_counts[t]),
        )
        for t in tables
    ]
