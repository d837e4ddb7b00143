"""The plenary with the expert panel: upvotes, the queue, one question answered at a time."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.deliberation import plenary as pl
from facilitation.deliberation import questions as qs
from facilitation.deliberation.questions import Question, QuestionRules
from facilitation.deliberation.states import QuestionState
from facilitation.errors import Refused

NOW = datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
OWN, OTHER = 3, 4
RULES = QuestionRules()
S = QuestionState


def question(
    id: int = 1,
    state: QuestionState = S.DRAFT,
    *,
    table_id: int = OWN,
    minutes: int = 0,
    position: int | None = None,
    moderated: bool = False,
) -> Question:
    sent = state not in (S.DRAFT, S.WITHDRAWN)
    return Question(
        id=id,
        table_id=table_id,
        author_id=70,
        text=f"Question {id}?",
        created_at=NOW,
        state=state,
        sent_at=NOW + timedelta(minutes=minutes) if sent else None,
        position=position,
        moderated=moderated,
    )


# Upvotes


def test_participants_upvote_other_tables_queued_questions_once() -> None:
    pl.check_upvote(question(state=S.QUEUED), OTHER, RULES, already=False)
    pl.check_upvote(question(state=S.QUEUED), None, RULES, already=False)
    with pytest.raises(Refused, match="already upvoted"):
        pl.check_upvote(question(state=S.QUEUED), OTHER, RULES, already=True)
    with pytest.raises(Refused, match="your own table"):
        pl.check_upvote(question(state=S.QUEUED), OWN, RULES, already=False)
    with pytest.raises(Refused, match="not open in this step"):
        pl.check_upvote(
            question(state=S.QUEUED), OTHER, QuestionRules(upvotes=False), already=False
        )


@pytest.mark.parametrize("state", [S.DRAFT, S.PENDING, S.ANSWERING, S.ANSWERED, S.HIDDEN])
def test_only_queued_questions_take_upvotes(state: QuestionState) -> None:
    with pytest.raises(Refused, match="waiting in the queue"):
        pl.check_upvote(question(state=state), OTHER, RULES, already=False)


def test_an_upvote_can_be_taken_back_only_if_it_was_given() -> None:
    pl.check_upvote_removal(question(state=S.QUEUED), already=True)
    with pytest.raises(Refused, match="not upvoted"):
        pl.check_upvote_removal(question(state=S.QUEUED), already=False)
    with pytest.raises(Refused, match="waiting in the queue"):
        pl.check_upvote_removal(question(state=S.ANSWERED), already=True)


@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 4)), max_size=40))
def test_each_participant_counts_once_per_question_however_often_they_press(
    presses: list[tuple[int, int]],
) -> None:
    counts = pl.upvote_counts(presses)
    for question_id in {q for _, q in presses}:
        assert counts[question_id] == len({p for p, q in presses if q == question_id})


# The queue


def test_the_default_order_is_most_upvotes_then_earliest_sent() -> None:
    waiting = [question(i, S.QUEUED, minutes=i) for i in (1, 2, 3, 4)]
    ordered = pl.queue(waiting, {3: 5, 4: 5, 1: 1})
    assert [q.id for q in ordered] == [3, 4, 1, 2]


def test_the_lead_order_comes_first_and_new_questions_follow_in_default_order() -> None:
    waiting = [
        question(1, S.QUEUED, minutes=1, position=1),
        question(2, S.QUEUED, minutes=2, position=0),
        question(3, S.QUEUED, minutes=3),
        question(4, S.QUEUED, minutes=4),
    ]
    assert [q.id for q in pl.queue(waiting, {4: 9, 1: 50})] == [2, 1, 4, 3]


def test_the_question_being_answered_heads_the_queue_and_others_are_left_out() -> None:
    everything = [
        question(1, S.QUEUED),
        question(2, S.ANSWERING),
        question(3, S.ANSWERED),
        question(4, S.PENDING),
        question(5, S.DRAFT),
        question(6, S.HIDDEN),
    ]
    assert [q.id for q in pl.queue(everything, {})] == [2, 1]


def test_reordering_places_the_listed_questions_and_releases_the_rest() -> None:
    waiting = [question(1, S.QUEUED, position=0), question(2, S.QUEUED), question(3, S.QUEUED)]
    changed = {q.id: q.position for q in pl.reorder(waiting, [3, 2])}
    assert changed == {3: 0, 2: 1, 1: None}
    assert pl.reorder(waiting, [1]) == []


def test_reordering_refusals() -> None:
    waiting = [question(1, S.QUEUED), question(2, S.ANSWERED)]
    with pytest.raises(Refused, match="listed twice"):
        pl.reorder(waiting, [1, 1])
    with pytest.raises(Refused, match="Only questions in the queue"):
        pl.reorder(waiting, [1, 2])
    with pytest.raises(Refused, match="Only questions in the queue"):
        pl.reorder(waiting, [9])


def test_moving_one_question_for_up_and_down_buttons() -> None:
    assert pl.move_in_queue([1, 2, 3, 4], 3, 0) == [3, 1, 2, 4]
    assert pl.move_in_queue([1, 2, 3, 4], 1, 99) == [2, 3, 4, 1]
    assert pl.move_in_queue([1, 2, 3, 4], 2, -1) == [2, 1, 3, 4]
    with pytest.raises(Refused, match="Only questions in the queue"):
        pl.move_in_queue([1, 2], 7, 0)


def test_answering_now_then_answered_keeps_the_question_in_the_record() -> None:
    waiting = [question(1, S.QUEUED, position=0), question(2, S.QUEUED)]
    now = pl.answer_now(waiting, 1)
    assert now.state is S.ANSWERING
    done = pl.mark_answered(now, NOW)
    assert done.state is S.ANSWERED and done.answered_at == NOW and done.position is None
    later = pl.mark_answered(question(2, S.QUEUED), NOW + timedelta(minutes=5))
    assert [q.id for q in pl.answered_record([later, done, question(3, S.QUEUED)])] == [1, 2]


def test_only_one_question_is_answered_at_a_time() -> None:
    with pytest.raises(Refused, match="Another question is being answered"):
        pl.answer_now([question(1, S.ANSWERING), question(2, S.QUEUED)], 2)


@pytest.mark.parametrize(
    ("questions", "chosen", "message"),
    [
        ([question(1, S.QUEUED)], 9, "no such question"),
        ([question(1, S.ANSWERING)], 1, "already being answered"),
        ([question(1, S.PENDING)], 1, "Only a question in the queue"),
        ([question(1, S.ANSWERED)], 1, "Only a question in the queue"),
        ([question(1, S.HIDDEN)], 1, "Only a question in the queue"),
    ],
)
def test_answer_now_refusals(questions: list[Question], chosen: int, message: str) -> None:
    with pytest.raises(Refused, match=message):
        pl.answer_now(questions, chosen)


def test_a_question_put_back_returns_to_its_place() -> None:
    back = pl.put_back(question(1, S.ANSWERING, position=3))
    assert back.state is S.QUEUED and back.position == 3
    with pytest.raises(Refused, match="Only the question being answered"):
        pl.put_back(question(1, S.QUEUED))


def test_mark_answered_refusals() -> None:
    with pytest.raises(Refused, match="already been answered"):
        pl.mark_answered(question(1, S.ANSWERED), NOW)
    for state in (S.DRAFT, S.PENDING, S.HIDDEN, S.WITHDRAWN):
        with pytest.raises(Refused, match="Only a question in the queue"):
            pl.mark_answered(question(1, state), NOW)


LEAD_ACTIONS = ["answer", "answered", "back", "hide", "restore"]


@given(st.lists(st.tuples(st.sampled_from(LEAD_ACTIONS), st.integers(1, 4)), max_size=30))
def test_whatever_the_lead_does_one_question_at_most_is_answered_and_answers_stay(
    actions: list[tuple[str, int]],
) -> None:
    board = {i: question(i, S.QUEUED) for i in (1, 2, 3, 4)}
    ever_answered: set[int] = set()
    for action, target in actions:
        with contextlib.suppress(Refused):
            if action == "answer":
                board[target] = pl.answer_now(board.values(), target)
            elif action == "answered":
                board[target] = pl.mark_answered(board[target], NOW)
            elif action == "back":
                board[target] = pl.put_back(board[target])
            elif action == "hide":
                board[target] = qs.hide_question(board[target], "other")
            else:
                board[target] = qs.restore_question(board[target])
        assert sum(q.state is S.ANSWERING for q in board.values()) <= 1
        answered = {q.id for q in board.values() if q.state is S.ANSWERED}
        assert ever_answered <= answered  # answered questions stay in the record
        ever_answered = answered


@given(
    st.lists(st.integers(1, 40), unique=True, max_size=12),
    st.lists(st.integers(1, 40), unique=True, max_size=6),
)
def test_a_chosen_slate_leads_the_queue_in_its_order_and_the_rest_keep_theirs(
    queue_ids: list[int], chosen: list[int]
) -> None:
    order = pl.slate_first(queue_ids, chosen)
    first = [q for q in chosen if q in queue_ids]
    assert sorted(order) == sorted(queue_ids)
    assert order[: len(first)] == first
    assert order[len(first) :] == [q for q in queue_ids if q not in first]


def test_a_slate_of_the_third_and_first_puts_them_ahead_of_the_second() -> None:
    assert pl.slate_first([1, 2, 3, 4], [3, 1]) == [3, 1, 2, 4]
