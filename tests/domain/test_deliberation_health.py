"""The facilitators' overview of the tables: counts only, never who wrote what."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from facilitation.deliberation.arguments import Argument, Stance
from facilitation.deliberation.health import (
    PanelHealth,
    TableActivity,
    TableHealth,
    activity_from,
    panel_health,
    table_health,
)
from facilitation.deliberation.questions import Question
from facilitation.deliberation.states import ArgumentState, QuestionState

NOW = datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
AS, QS = ArgumentState, QuestionState


def argument(id: int, table_id: int, author_id: int, state: ArgumentState) -> Argument:
    return Argument(id, table_id, author_id, None, Stance.FOR, "text", NOW, state=state)


def question(id: int, table_id: int, author_id: int, state: QuestionState) -> Question:
    return Question(id, table_id, author_id, "text?", NOW, state=state)


def test_a_tables_health_counts_its_arguments_and_questions_by_state() -> None:
    health = table_health(
        TableActivity(
            table_id=3,
            participants=8,
            contributors=3,
            arguments={AS.PENDING: 2, AS.APPROVED: 5, AS.HIDDEN: 1, AS.MERGED: 1},
            questions={QS.DRAFT: 2, QS.PENDING: 1, QS.QUEUED: 1, QS.ANSWERED: 1, QS.WITHDRAWN: 3},
        )
    )
    assert health == TableHealth(
        table_id=3,
        participants=8,
        contributors=3,
        pending=2,
        approved=5,
        hidden=1,
        questions_drafted=2,
        questions_sent=3,
        silent=False,
    )


def test_a_table_that_has_only_withdrawn_things_has_said_nothing_yet() -> None:
    quiet = TableActivity(4, 6, 0, {AS.WITHDRAWN: 2}, {QS.WITHDRAWN: 1})
    assert table_health(quiet).silent
    assert table_health(TableActivity(5, 6, 0)).silent
    assert not table_health(TableActivity(6, 6, 1, questions={QS.DRAFT: 1})).silent
    assert not table_health(TableActivity(7, 6, 1, arguments={AS.HIDDEN: 1})).silent


def test_the_panel_overview_totals_the_tables_and_lists_the_silent_ones_in_room_order() -> None:
    overview = panel_health(
        [
            TableActivity(2, 7, 0),
            TableActivity(1, 8, 4, {AS.PENDING: 3}),
            TableActivity(3, 6, 0, {AS.WITHDRAWN: 1}),
        ]
    )
    assert overview.silent_tables == (2, 3)
    assert (overview.participants, overview.contributors, overview.pending) == (21, 4, 3)
    assert [t.table_id for t in overview.tables] == [2, 1, 3]


def test_counts_from_stored_rows_name_no_one() -> None:
    seated = {10: 1, 11: 1, 12: 1, 20: 2, 21: 2, 30: None}
    arguments = [
        argument(1, 1, 10, AS.APPROVED),
        argument(2, 1, 10, AS.PENDING),
        argument(3, 1, 11, AS.WITHDRAWN),
        argument(4, 2, 10, AS.PENDING),  # written at table 2 before moving to table 1
    ]
    questions = [question(1, 1, 12, QS.DRAFT), question(2, 9, 20, QS.QUEUED)]
    by_table = {a.table_id: a for a in activity_from([1, 2, 3], seated, arguments, questions)}
    assert by_table[1] == TableActivity(
        table_id=1,
        participants=3,
        contributors=3,
        arguments={AS.APPROVED: 1, AS.PENDING: 1, AS.WITHDRAWN: 1},
        questions={QS.DRAFT: 1},
    )
    assert by_table[2].participants == 2 and by_table[2].contributors == 0
    assert by_table[2].arguments == {AS.PENDING: 1}
    assert by_table[3] == TableActivity(3, 0, 0)
    overview = panel_health(by_table.values())
    assert overview.silent_tables == (3,)


def test_contributors_never_exceed_the_people_seated() -> None:
    assert table_health(TableActivity(1, participants=2, contributors=5)).contributors == 2


def test_the_overview_holds_numbers_and_table_ids_only() -> None:
    for shape in (TableHealth, PanelHealth):
        names = {f.name for f in fields(shape)}
        assert not any("author" in n or "participant_id" in n or "text" in n for n in names)
