"""Sending an argument: which step, which proposal, which stance, what text, how many."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from facilitation.deliberation.arguments import (
    ARGUMENT_MAX,
    DiscussionRules,
    NewArgument,
    SentSoFar,
    Stance,
    discussion_rules,
    submit_argument,
)
from facilitation.deliberation.limits import RateRule
from facilitation.deliberation.states import ArgumentState, ModerationMode
from facilitation.errors import Refused
from facilitation.steps import Step, StepKind

NOW = datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
RULES = DiscussionRules(proposals=(11, 12))
OPEN_ENDED = DiscussionRules()


def send(
    rules: DiscussionRules = RULES,
    *,
    mode: ModerationMode = ModerationMode.PRE,
    table_id: int | None = 3,
    proposal: str | int | None = "11",
    stance: str = "for",
    text: str = "Cheaper buses help those who need them most.",
    by_participant: int = 0,
    by_table: int = 0,
    recent: Sequence[datetime] = (),
) -> NewArgument:
    return submit_argument(
        rules,
        mode,
        table_id=table_id,
        author_id=7,
        proposal=proposal,
        stance=stance,
        text=text,
        sent=SentSoFar(by_participant, by_table, recent),
        now=NOW,
    )


def test_an_argument_is_checked_cleaned_and_stamped() -> None:
    new = submit_argument(
        RULES,
        ModerationMode.PRE,
        table_id=3,
        author_id=7,
        proposal=" 12 ",
        stance="against",
        text="  Too <b>expensive</b>\x00 for us ",
        sent=SentSoFar(),
        now=NOW,
    )
    assert (new.table_id, new.author_id, new.proposal_id, new.stance) == (3, 7, 12, Stance.AGAINST)
    assert new.text == "Too <b>expensive</b> for us"
    assert new.submitted_at == NOW
    stored = new.stored_as(99)
    assert stored.id == 99 and stored.tables == {3} and stored.submissions == 1
    assert not stored.moderated


def test_pre_moderation_holds_new_arguments_and_post_moderation_shows_them_at_once() -> None:
    assert send(mode=ModerationMode.PRE).state is ArgumentState.PENDING
    post = send(mode=ModerationMode.POST)
    assert post.state is ArgumentState.APPROVED
    assert not post.stored_as(1).moderated


def test_an_open_ended_discussion_takes_arguments_without_a_proposal() -> None:
    assert send(OPEN_ENDED, proposal="", stance="other").proposal_id is None


@pytest.mark.parametrize(
    ("rules", "proposal", "message"),
    [
        (RULES, None, "Choose the proposal"),
        (RULES, "", "Choose the proposal"),
        (RULES, "13", "no such proposal"),
        (RULES, 13, "no such proposal"),
        (RULES, "eleven", "no such proposal"),
        (RULES, "١١", "no such proposal"),  # Arabic-Indic digits are not an id
        (RULES, True, "no such proposal"),
        (OPEN_ENDED, "11", "open-ended"),
    ],
)
def test_unknown_or_missing_proposals_are_refused(
    rules: DiscussionRules, proposal: str | int | None, message: str
) -> None:
    with pytest.raises(Refused, match=message):
        send(rules, proposal=proposal)


@pytest.mark.parametrize("stance", ["", "pro", "FOR", "neutral"])
def test_unknown_stances_are_refused(stance: str) -> None:
    with pytest.raises(Refused, match="for, against or another consideration"):
        send(stance=stance)


def test_blank_arguments_are_refused() -> None:
    with pytest.raises(Refused, match="Write the argument"):
        send(text=" \n\u200b ")


def test_an_argument_of_exactly_the_limit_is_accepted_and_one_more_is_refused() -> None:
    send(text="a" * ARGUMENT_MAX)
    with pytest.raises(Refused) as refused:
        send(text="a" * (ARGUMENT_MAX + 7))
    assert refused.value.params == {"max": 500, "over": 7}
    assert "at most 500 characters; this one is 7 too long" in str(refused.value)


def test_someone_not_seated_at_a_table_cannot_send() -> None:
    with pytest.raises(Refused, match="Sit down at a table"):
        send(table_id=None)


def test_the_limit_per_participant_is_enforced_and_named() -> None:
    rules = DiscussionRules(proposals=(11,), per_participant=2)
    send(rules, by_participant=1)
    with pytest.raises(Refused) as refused:
        send(rules, by_participant=2)
    assert str(refused.value) == (
        "You have sent 2 arguments, which is as many as this step allows."
    )


def test_the_limit_per_table_is_enforced_and_named() -> None:
    rules = DiscussionRules(proposals=(11,), per_table=5)
    send(rules, by_table=4)
    with pytest.raises(Refused) as refused:
        send(rules, by_table=5)
    assert refused.value.params == {"limit": 5}
    assert "Your table has sent 5 arguments" in str(refused.value)


def test_no_limits_means_any_number() -> None:
    send(by_participant=1_000, by_table=10_000)


def test_the_limit_is_reported_before_any_problem_with_the_text() -> None:
    rules = DiscussionRules(proposals=(11,), per_participant=1)
    with pytest.raises(Refused, match="as many as this step allows"):
        send(rules, by_participant=1, text="")


def test_sending_too_fast_is_refused_with_the_wait() -> None:
    rules = DiscussionRules(proposals=(11,), rate=RateRule(count=2, seconds=60))
    recent = [NOW - timedelta(seconds=50), NOW - timedelta(seconds=5)]
    with pytest.raises(Refused) as refused:
        send(rules, recent=recent)
    assert refused.value.params == {"seconds": 10}


def test_rules_come_from_a_discussion_step_only() -> None:
    step = Step(
        StepKind.DISCUSSION,
        "Table discussion",
        settings={"proposals": [4, 5], "arguments_per_participant": 3},
    )
    rules = discussion_rules(step)
    assert rules == DiscussionRules(proposals=(4, 5), per_participant=3)
    assert DiscussionRules.from_settings(rules.to_settings()) == rules
    assert discussion_rules(Step(StepKind.DISCUSSION, "Open")) == OPEN_ENDED
    with pytest.raises(Refused, match="table discussion"):
        discussion_rules(Step(StepKind.VOTE, "Vote"))


@pytest.mark.parametrize(
    "settings",
    [{"proposals": "4,5"}, {"proposals": [4, "5"]}, {"proposals": [True]}],
)
def test_corrupt_proposal_settings_are_an_error_not_a_silent_open_discussion(
    settings: dict[str, object],
) -> None:
    with pytest.raises(ValueError):
        DiscussionRules.from_settings(settings)


def test_stored_limits_out_of_range_are_refused() -> None:
    with pytest.raises(Refused):
        DiscussionRules.from_settings({"arguments_per_table": 0})
