"""The plenary with the expert panel: upvotes, the lead's queue, the question answered now.

Participants upvote other tables' queued questions, once each. The lead orders the
queue (or leaves it in the default order: most upvotes, then earliest sent), puts one
question on the projector at a time, and marks it answered; answered questions stay in
the record for the report. `answer_now` needs all of the panel's questions so that it
can see whether another one is being answered; the caller must serialise it (a lock on
the panel row, or a unique index on the answering question per panel) because two
tablets may press at the same moment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from facilitation.deliberation.questions import Question, QuestionRules
from facilitation.deliberation.states import QuestionState
from facilitation.errors import N_, Refused


def check_upvote(
    question: Question, voter_table_id: int | None, rules: QuestionRules, *, already: bool
) -> None:
    """`already` says whether this participant has upvoted this question before."""
    if not rules.upvotes:
        raise Refused(N_("Upvoting questions is not open in this step."))
    if question.state is not QuestionState.QUEUED:
        raise Refused(N_("Only questions waiting in the queue can be upvoted."))
    if voter_table_id == question.table_id:
        raise Refused(N_("You cannot upvote your own table's questions."))
    if already:
        raise Refused(N_("You have already upvoted this question."))


def check_upvote_removal(question: Question, *, already: bool) -> None:
    if not already:
        raise Refused(N_("You have not upvoted this question."))
    if question.state is not QuestionState.QUEUED:
        raise Refused(N_("Only questions waiting in the queue can be upvoted."))


def upvote_counts(upvotes: Iterable[tuple[int, int]]) -> Counter[int]:
    """Upvotes per question from (participant id, question id) pairs, each pair once."""
    return Counter(question_id for _, question_id in set(upvotes))


def queue(questions: Iterable[Question], upvotes: Mapping[int, int]) -> list[Question]:
    """The plenary's queue: the one being answered, then the lead's order, then the rest.

    Questions the lead has not placed (sent after the last reordering, or never
    ordered) follow in the default order: most upvotes first, then the earliest sent.
    """
    answering = [q for q in questions if q.state is QuestionState.ANSWERING]
    waiting = [q for q in questions if q.state is QuestionState.QUEUED]

    def place(q: Question) -> tuple[int, int, int, datetime, int]:
        sent = q.sent_at or q.created_at
        if q.position is not None:
            return (0, q.position, 0, sent, q.id)
        return (1, 0, -upvotes.get(q.id, 0), sent, q.id)

    return answering + sorted(waiting, key=place)


def answered_record(questions: Iterable[Question]) -> list[Question]:
    """Answered questions in the order they were answered, for the record and the report."""
    done = [q for q in questions if q.state is QuestionState.ANSWERED]
    return sorted(done, key=lambda q: (q.answered_at or q.created_at, q.id))


def reorder(questions: Iterable[Question], ordered_ids: Sequence[int]) -> list[Question]:
    """Give the listed questions the lead's order; the changed questions are returned.

    Queued questions missing from the list (sent while the lead was dragging) lose
    any explicit place and follow in the default order.
    """
    if len(set(ordered_ids)) != len(ordered_ids):
        raise Refused(N_("The same question was listed twice."))
    orderable = {
        q.id: q for q in questions if q.state in (QuestionState.QUEUED, QuestionState.ANSWERING)
    }
    if any(i not in orderable for i in ordered_ids):
        raise Refused(N_("Only questions in the queue can be ordered."))
    places = {question_id: index for index, question_id in enumerate(ordered_ids)}
    changed = []
    for question_id, question in orderable.items():
        position = places.get(question_id)
        if position != question.position:
            changed.append(replace(question, position=position, moderated=True))
    return changed


def move_in_queue(queue_ids: Sequence[int], question_id: int, to_index: int) -> list[int]:
    """The queue order after moving one question, for up/down buttons on a tablet."""
    if question_id not in queue_ids:
        raise Refused(N_("Only questions in the queue can be ordered."))
    rest = [i for i in queue_ids if i != question_id]
    rest.insert(max(0, min(to_index, len(rest))), question_id)
    return rest


def slate_first(queue_ids: Sequence[int], chosen: Sequence[int]) -> list[int]:
    """The queue once a slate is chosen: its questions first, in the slate's order (the
    order the rule picked them), then the rest in the order they stood."""
    first = [q for q in chosen if q in queue_ids]
    return first + [q for q in queue_ids if q not in first]


def answer_now(questions: Iterable[Question], question_id: int) -> Question:
    """Put one question on the projector. `questions` must be all of the panel's."""
    chosen: Question | None = None
    for q in questions:
        if q.id == question_id:
            chosen = q
        elif q.state is QuestionState.ANSWERING:
            raise Refused(
                N_("Another question is being answered. Mark it answered or put it back first.")
            )
    if chosen is None:
        raise Refused(N_("There is no such question."))
    if chosen.state is QuestionState.ANSWERING:
        raise Refused(N_("This question is already being answered."))
    if chosen.state is not QuestionState.QUEUED:
        raise Refused(N_("Only a question in the queue can be answered now."))
    return replace(chosen, state=QuestionState.ANSWERING, moderated=True)


def put_back(question: Question) -> Question:
    """The experts will come back to it: it returns to its place in the queue."""
    if question.state is not QuestionState.ANSWERING:
        raise Refused(N_("Only the question being answered can be put back."))
    return replace(question, state=QuestionState.QUEUED)


def mark_answered(question: Question, now: datetime) -> Question:
    """Done; also allowed straight from the queue, when another answer covered it."""
    if question.state is QuestionState.ANSWERED:
        raise Refused(N_("This question has already been answered."))
    if question.state not in (QuestionState.ANSWERING, QuestionState.QUEUED):
        raise Refused(N_("Only a question in the queue can be marked answered."))
    return replace(
        question, state=QuestionState.ANSWERED, answered_at=now, position=None, moderated=True
    )
