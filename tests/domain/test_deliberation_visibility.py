"""Who may read submitted text: unpublished text never reaches other tables or the display."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.deliberation import audience as aud
from facilitation.deliberation import moderation as mod
from facilitation.deliberation import plenary as pl
from facilitation.deliberation import questions as qs
from facilitation.deliberation.arguments import Argument, Stance
from facilitation.deliberation.audience import AudienceKind, parse_audience
from facilitation.deliberation.questions import Question
from facilitation.deliberation.states import (
    ArgumentState,
    HideReason,
    ModerationMode,
    QuestionState,
)
from facilitation.deliberation.visibility import (
    argument_view,
    argument_views,
    question_view,
    question_views,
    visible_to,
)
from facilitation.errors import Refused

NOW = datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
OWN, OTHER = 3, 4
ELSEWHERE = ["table:4", "phones", "display", "participant:7", "participant:3"]


def argument(
    state: ArgumentState, *, id: int = 1, table_id: int = OWN, merged_into: int | None = None
) -> Argument:
    hidden = state is ArgumentState.HIDDEN
    return Argument(
        id=id,
        table_id=table_id,
        author_id=7,
        proposal_id=None,
        stance=Stance.FOR,
        text="secret words",
        submitted_at=NOW,
        state=state,
        hidden_reason=HideReason.OFFENSIVE if hidden else None,
        hidden_note="private note" if hidden else "",
        merged_into=merged_into,
    )


def question(state: QuestionState) -> Question:
    hidden = state is QuestionState.HIDDEN
    return Question(
        id=1,
        table_id=OWN,
        author_id=7,
        text="secret question",
        created_at=NOW,
        state=state,
        hidden_reason=HideReason.OFF_TOPIC if hidden else None,
        hidden_note="private note" if hidden else "",
    )


# The table of rules, row by row


def test_approved_arguments_are_readable_by_everyone() -> None:
    approved = argument(ArgumentState.APPROVED)
    for who in [*ELSEWHERE, "table:3", "facilitators"]:
        assert visible_to(approved, who), who


def test_pending_arguments_are_readable_by_their_table_and_facilitators_only() -> None:
    pending = argument(ArgumentState.PENDING)
    assert visible_to(pending, "table:3") and visible_to(pending, "facilitators")
    for who in ELSEWHERE:
        assert argument_view(pending, who) is None, who


def test_hidden_text_is_for_facilitators_and_its_table_only_learns_the_reason() -> None:
    hidden = argument(ArgumentState.HIDDEN)
    own = argument_view(hidden, "table:3")
    assert own is not None
    assert own.text is None and own.hidden_reason is HideReason.OFFENSIVE and own.note == ""
    for who in ELSEWHERE:
        assert argument_view(hidden, who) is None, who
    staff = argument_view(hidden, "facilitators")
    assert staff is not None and staff.text == "secret words" and staff.note == "private note"


def test_a_merged_argument_shows_its_table_where_it_went_and_nobody_else_anything() -> None:
    merged = argument(ArgumentState.MERGED, merged_into=9)
    own = argument_view(merged, "table:3")
    assert own is not None and own.text is None and own.merged_into == 9
    for who in ELSEWHERE:
        assert argument_view(merged, who) is None, who
    assert visible_to(merged, "facilitators")


def test_a_withdrawn_argument_disappears_for_everyone_but_facilitators() -> None:
    withdrawn = argument(ArgumentState.WITHDRAWN)
    for who in [*ELSEWHERE, "table:3"]:
        assert argument_view(withdrawn, who) is None, who
    assert visible_to(withdrawn, "facilitators")


def test_tables_merged_into_a_pending_argument_do_not_read_it_before_approval() -> None:
    target = mod.merge(
        argument(ArgumentState.PENDING),
        [argument(ArgumentState.APPROVED, id=2, table_id=OTHER)],
    ).target
    assert OTHER in target.tables
    assert argument_view(target, f"table:{OTHER}") is None


def test_views_never_name_the_author() -> None:
    view = argument_view(argument(ArgumentState.APPROVED), "facilitators")
    assert view is not None and not hasattr(view, "author_id")


@pytest.mark.parametrize(
    "who",
    [
        "",
        "Display",
        "display ",
        "table:",
        "table:x",
        "table:3 ",
        "table:03",
        "table:-3",
        "table:３",
        "tables:3",
        "facilitator",
        "organiser",
        "table:3:facilitators",
    ],
)
def test_an_audience_the_rules_do_not_know_reads_nothing(who: str) -> None:
    assert parse_audience(who).kind is AudienceKind.NOBODY
    for state in ArgumentState:
        assert argument_view(argument(state), who) is None
    for qstate in QuestionState:
        assert question_view(question(qstate), who) is None


def test_audiences_are_read_in_the_servers_own_words() -> None:
    assert parse_audience("table:12") == aud.table(12)
    assert parse_audience("participant:5") == aud.participant(5)
    assert parse_audience(aud.DISPLAY) is aud.DISPLAY
    assert aud.participant(3).table_id is None


def test_views_of_a_list_keep_only_what_the_audience_may_know_of() -> None:
    arguments = [argument(state, id=i) for i, state in enumerate(ArgumentState)]
    assert [v.state for v in argument_views(arguments, "display")] == [ArgumentState.APPROVED]
    assert {v.state for v in argument_views(arguments, "table:3")} == {
        ArgumentState.PENDING,
        ArgumentState.APPROVED,
        ArgumentState.HIDDEN,
        ArgumentState.MERGED,
    }
    assert len(argument_views(arguments, "facilitators")) == len(ArgumentState)


# Questions


@pytest.mark.parametrize("state", [QuestionState.DRAFT, QuestionState.PENDING])
def test_unsent_and_unapproved_questions_stay_at_their_table(state: QuestionState) -> None:
    assert visible_to(question(state), "table:3")
    assert visible_to(question(state), "facilitators")
    for who in ELSEWHERE:
        assert question_view(question(state), who) is None, who


@pytest.mark.parametrize(
    "state", [QuestionState.QUEUED, QuestionState.ANSWERING, QuestionState.ANSWERED]
)
def test_queued_answering_and_answered_questions_are_public(state: QuestionState) -> None:
    for who in [*ELSEWHERE, "table:3", "facilitators"]:
        assert visible_to(question(state), who), who


def test_hidden_and_withdrawn_questions_keep_their_text_from_everyone_but_facilitators() -> None:
    hidden = question_view(question(QuestionState.HIDDEN), "table:3")
    assert hidden is not None and hidden.text is None and hidden.note == ""
    assert question_view(question(QuestionState.WITHDRAWN), "table:3") is None
    for state in (QuestionState.HIDDEN, QuestionState.WITHDRAWN):
        for who in ELSEWHERE:
            assert question_view(question(state), who) is None
        staff = question_view(question(state), "facilitators")
        assert staff is not None and staff.text == "secret question"
    assert [v.id for v in question_views([question(QuestionState.DRAFT)], "display")] == []


# Whatever happens, nothing unpublished leaks


ARGUMENT_ACTIONS: list[Callable[[Argument], Argument]] = [
    mod.approve,
    mod.restore,
    lambda a: mod.hide(a, "offensive", "note"),
    lambda a: mod.edit_by_facilitator(a, a.text + " (edited)"),
    lambda a: mod.edit_by_author(a, 7, a.text + "!", has_votes=False),
    lambda a: mod.withdraw(a, 7),
    lambda a: mod.merge(argument(ArgumentState.APPROVED, id=99, table_id=OTHER), [a]).merged[0],
]

AUDIENCES = st.one_of(
    st.sampled_from(["phones", "display", "facilitators", "table:3", "table:4", "participant:7"]),
    st.text(max_size=12),
)


@given(
    st.sampled_from(ModerationMode),
    st.lists(st.integers(0, len(ARGUMENT_ACTIONS) - 1), max_size=12),
    AUDIENCES,
)
def test_no_sequence_of_actions_lets_unapproved_argument_text_leave_its_table(
    mode: ModerationMode, steps: list[int], who: str
) -> None:
    first = ArgumentState.PENDING if mode is ModerationMode.PRE else ArgumentState.APPROVED
    current = argument(first)
    for step in steps:
        with contextlib.suppress(Refused):
            current = ARGUMENT_ACTIONS[step](current)
    view = argument_view(current, who)
    kind = parse_audience(who)
    if kind.kind is AudienceKind.NOBODY:
        assert view is None
    if kind.kind is AudienceKind.FACILITATORS:
        assert view is not None and view.text == current.text
        return
    if view is not None and view.text is not None:
        assert current.state is ArgumentState.APPROVED or (
            current.state is ArgumentState.PENDING and kind == aud.table(OWN)
        )
    if kind != aud.table(OWN):
        assert view is None or current.state is ArgumentState.APPROVED
    assert view is None or view.note == ""


def send(q: Question, mode: ModerationMode) -> Question:
    return qs.send_question(q, OWN, mode, qs.QuestionRules(), sent_by_table=0, now=NOW)


QUESTION_ACTIONS: list[Callable[[Question], Question]] = [
    lambda q: send(q, ModerationMode.PRE),
    lambda q: send(q, ModerationMode.POST),
    qs.approve_question,
    qs.restore_question,
    pl.put_back,
    lambda q: qs.hide_question(q, "other", "note"),
    lambda q: qs.edit_question(q, OWN, q.text + "?"),
    lambda q: qs.withdraw_question(q, OWN),
    lambda q: pl.answer_now([q], q.id),
    lambda q: pl.mark_answered(q, NOW),
]


@given(st.lists(st.integers(0, len(QUESTION_ACTIONS) - 1), max_size=12), AUDIENCES)
def test_no_sequence_of_actions_lets_an_unsent_or_hidden_question_leave_its_table(
    steps: list[int], who: str
) -> None:
    current = question(QuestionState.DRAFT)
    for step in steps:
        with contextlib.suppress(Refused):
            current = QUESTION_ACTIONS[step](current)
    view = question_view(current, who)
    kind = parse_audience(who)
    if kind.kind is AudienceKind.NOBODY:
        assert view is None
    public = {QuestionState.QUEUED, QuestionState.ANSWERING, QuestionState.ANSWERED}
    if kind.kind is AudienceKind.FACILITATORS:
        assert view is not None and view.text == current.text
        return
    if kind != aud.table(OWN):
        assert view is None or current.state in public
    if view is not None and view.text is not None and kind != aud.table(OWN):
        assert current.state in public
    assert view is None or view.note == ""
