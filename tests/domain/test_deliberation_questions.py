"""Questions for the expert panel: drafting at the tables, sending, the lead's moderation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from facilitation.deliberation import questions as qs
from facilitation.deliberation.limits import RateRule
from facilitation.deliberation.questions import NewQuestion, Question, QuestionRules
from facilitation.deliberation.states import HideReason, ModerationMode, QuestionState
from facilitation.errors import Refused
from facilitation.steps import Step, StepKind

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


def draft(
    rules: QuestionRules = RULES,
    *,
    table_id: int | None = OWN,
    text: str = "How much would free buses cost?",
    table_questions: int = 0,
    recent: tuple[datetime, ...] = (),
) -> NewQuestion:
    return qs.draft_question(
        rules,
        table_id=table_id,
        author_id=70,
        text=text,
        table_questions=table_questions,
        recent=recent,
        now=NOW,
    )


def send(
    q: Question,
    mode: ModerationMode = ModerationMode.PRE,
    *,
    table_id: int | None = OWN,
    rules: QuestionRules = RULES,
    sent_by_table: int = 0,
) -> Question:
    return qs.send_question(q, table_id, mode, rules, sent_by_table=sent_by_table, now=NOW)


# Drafting and sending


def test_a_table_drafts_a_question_under_the_text_rules() -> None:
    new = draft(text="  What does <b>it</b> cost?\x07 ")
    assert new.text == "What does <b>it</b> cost?"
    stored = new.stored_as(5)
    assert stored.state is S.DRAFT and stored.table_id == OWN and stored.created_at == NOW


def test_drafting_refusals_name_the_problem() -> None:
    with pytest.raises(Refused, match="Sit down at a table"):
        draft(table_id=None)
    with pytest.raises(Refused, match="Write the question"):
        draft(text=" \n ")
    with pytest.raises(Refused) as too_long:
        draft(text="?" * 310)
    assert too_long.value.params == {"max": 300, "over": 10}
    with pytest.raises(Refused) as limit:
        draft(QuestionRules(per_table=4), table_questions=4)
    assert "Your table has written 4 questions" in str(limit.value)
    with pytest.raises(Refused, match="wait"):
        draft(QuestionRules(rate=RateRule(1, 60)), recent=(NOW - timedelta(seconds=3),))


def test_the_table_sends_and_moderation_decides_where_it_goes() -> None:
    pending = send(question(), ModerationMode.PRE)
    assert pending.state is S.PENDING and pending.sent_at == NOW
    assert send(question(), ModerationMode.POST).state is S.QUEUED


def test_sending_refusals() -> None:
    with pytest.raises(Refused, match="Only the table that wrote"):
        send(question(), table_id=OTHER)
    with pytest.raises(Refused, match="Only the table that wrote"):
        send(question(), table_id=None)
    with pytest.raises(Refused, match="already been sent"):
        send(send(question()))
    with pytest.raises(Refused) as limit:
        send(question(), rules=QuestionRules(sent_per_table=2), sent_by_table=2)
    assert limit.value.params == {"limit": 2}


def test_anyone_at_the_table_may_edit_or_withdraw_until_the_lead_acts() -> None:
    for open_question in (question(), question(state=S.PENDING)):
        edited = qs.edit_question(open_question, OWN, "Who pays?")
        assert edited.text == "Who pays?" and not edited.edited
        assert qs.withdraw_question(open_question, OWN).state is S.WITHDRAWN
        assert qs.table_may_change(open_question, OWN)


@pytest.mark.parametrize(
    "handled",
    [
        question(state=S.PENDING, moderated=True),
        question(state=S.QUEUED),
        question(state=S.ANSWERING),
        question(state=S.ANSWERED),
        question(state=S.HIDDEN, moderated=True),
    ],
)
def test_once_with_the_lead_the_table_can_no_longer_change_it(handled: Question) -> None:
    assert not qs.table_may_change(handled, OWN)
    with pytest.raises(Refused, match="with the lead"):
        qs.edit_question(handled, OWN, "Changed?")
    with pytest.raises(Refused, match="with the lead"):
        qs.withdraw_question(handled, OWN)


def test_table_changes_refusals() -> None:
    with pytest.raises(Refused, match="Only the table that wrote"):
        qs.edit_question(question(), OTHER, "Mine?")
    with pytest.raises(Refused, match="unchanged"):
        qs.edit_question(question(), OWN, "Question 1?")
    with pytest.raises(Refused, match="been withdrawn"):
        qs.withdraw_question(question(state=S.WITHDRAWN), OWN)
    assert not qs.table_may_change(question(), OTHER)


# Moderation by the lead


def test_the_lead_approves_hides_restores_and_edits() -> None:
    queued = qs.approve_question(question(state=S.PENDING))
    assert queued.state is S.QUEUED and queued.moderated
    hidden = qs.hide_question(replace(queued, position=2), "duplicate", "asked by table 2")
    assert hidden.state is S.HIDDEN and hidden.position is None
    assert hidden.hidden_reason is HideReason.DUPLICATE and hidden.hidden_note == "asked by table 2"
    restored = qs.restore_question(hidden)
    assert restored.state is S.QUEUED and restored.hidden_reason is None
    edited = qs.edit_question_by_lead(restored, "A tidier question?")
    assert edited.edited and edited.text == "A tidier question?"


@pytest.mark.parametrize(
    ("action", "state", "message"),
    [
        (qs.approve_question, S.QUEUED, "waiting for approval"),
        (qs.approve_question, S.DRAFT, "waiting for approval"),
        (lambda q: qs.hide_question(q, "other"), S.DRAFT, "Only a sent question"),
        (lambda q: qs.hide_question(q, "other"), S.ANSWERED, "Only a sent question"),
        (lambda q: qs.hide_question(q, "other"), S.HIDDEN, "Only a sent question"),
        (lambda q: qs.hide_question(q, "because"), S.QUEUED, "why the text is hidden"),
        (qs.restore_question, S.QUEUED, "Only a hidden question"),
        (lambda q: qs.edit_question_by_lead(q, "New?"), S.DRAFT, "Only a sent question"),
        (lambda q: qs.edit_question_by_lead(q, "New?"), S.WITHDRAWN, "Only a sent question"),
        (lambda q: qs.edit_question_by_lead(q, "Question 1?"), S.QUEUED, "unchanged"),
    ],
)
def test_lead_moderation_refusals(
    action: Callable[[Question], Question], state: QuestionState, message: str
) -> None:
    with pytest.raises(Refused, match=message):
        action(question(state=state))


def test_rules_come_from_a_questions_step_only() -> None:
    step = Step(
        StepKind.QUESTIONS,
        "Questions",
        settings={"questions_sent_per_table": 2, "question_upvotes": False},
    )
    rules = qs.question_rules(step)
    assert rules == QuestionRules(sent_per_table=2, upvotes=False)
    assert QuestionRules.from_settings(rules.to_settings()) == rules
    with pytest.raises(Refused, match="questions step"):
        qs.question_rules(Step(StepKind.DISCUSSION, "Talk"))
    with pytest.raises(ValueError):
        QuestionRules.from_settings({"question_upvotes": "yes"})
