"""Moderating arguments: approve, hide, restore, edit, withdraw, merge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.deliberation import moderation as mod
from facilitation.deliberation.arguments import Argument, Stance
from facilitation.deliberation.states import ArgumentState, HideReason
from facilitation.errors import Refused

NOW = datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
AUTHOR = 7


def argument(
    id: int = 1,
    *,
    table_id: int = 3,
    state: ArgumentState = ArgumentState.PENDING,
    proposal_id: int | None = 11,
    stance: Stance = Stance.FOR,
    text: str = "Cheaper buses help those who need them most.",
    moderated: bool = False,
) -> Argument:
    return Argument(
        id=id,
        table_id=table_id,
        author_id=AUTHOR,
        proposal_id=proposal_id,
        stance=stance,
        text=text,
        submitted_at=NOW,
        state=state,
        moderated=moderated,
    )


PENDING = argument()
APPROVED_BY_POST_MODERATION = argument(state=ArgumentState.APPROVED)
GONE = [ArgumentState.WITHDRAWN, ArgumentState.MERGED]


# Facilitators


def test_approving_a_pending_argument_publishes_it_and_counts_as_acting() -> None:
    approved = mod.approve(PENDING)
    assert approved.state is ArgumentState.APPROVED and approved.moderated


def test_approving_twice_or_approving_a_hidden_argument_is_refused() -> None:
    with pytest.raises(Refused, match="already approved"):
        mod.approve(mod.approve(PENDING))
    with pytest.raises(Refused, match="Restore it"):
        mod.approve(mod.hide(PENDING, "offensive"))


@pytest.mark.parametrize("state", GONE)
def test_withdrawn_and_merged_arguments_cannot_be_moderated(state: ArgumentState) -> None:
    gone = argument(state=state)
    for action in (
        mod.approve,
        mod.restore,
        lambda a: mod.hide(a, "off_topic"),
        lambda a: mod.edit_by_facilitator(a, "New words"),
    ):
        with pytest.raises(Refused, match=r"withdrawn|merged"):
            action(gone)


@pytest.mark.parametrize("start", [PENDING, APPROVED_BY_POST_MODERATION])
def test_hiding_records_the_reason_and_the_private_note(start: Argument) -> None:
    hidden = mod.hide(start, HideReason.PERSONAL_INFORMATION, " names a neighbour ")
    assert hidden.state is ArgumentState.HIDDEN and hidden.moderated
    assert hidden.hidden_reason is HideReason.PERSONAL_INFORMATION
    assert hidden.hidden_note == "names a neighbour"


def test_hiding_needs_a_known_reason_a_short_note_and_is_not_repeated() -> None:
    with pytest.raises(Refused, match="why the text is hidden"):
        mod.hide(PENDING, "rude")
    with pytest.raises(Refused, match="200 characters; this one is 1 too long"):
        mod.hide(PENDING, "other", "n" * 201)
    with pytest.raises(Refused, match="already hidden"):
        mod.hide(mod.hide(PENDING, "other"), "other")


def test_restoring_a_hidden_argument_approves_it_and_forgets_the_reason() -> None:
    restored = mod.restore(mod.hide(PENDING, "off_topic", "note"))
    assert restored.state is ArgumentState.APPROVED
    assert restored.hidden_reason is None and restored.hidden_note == ""


@pytest.mark.parametrize("start", [PENDING, APPROVED_BY_POST_MODERATION])
def test_only_hidden_arguments_can_be_restored(start: Argument) -> None:
    with pytest.raises(Refused, match="Only a hidden argument"):
        mod.restore(start)


@pytest.mark.parametrize(
    "start", [PENDING, APPROVED_BY_POST_MODERATION, mod.hide(PENDING, "offensive")]
)
def test_a_facilitator_edit_changes_the_text_marks_it_edited_and_keeps_the_state(
    start: Argument,
) -> None:
    edited = mod.edit_by_facilitator(start, "  Cheaper buses help those who need them. ")
    assert edited.text == "Cheaper buses help those who need them."
    assert edited.edited and edited.moderated and edited.state is start.state


def test_a_facilitator_edit_follows_the_text_rules_and_must_change_something() -> None:
    with pytest.raises(Refused, match="unchanged"):
        mod.edit_by_facilitator(PENDING, PENDING.text + "  ")
    with pytest.raises(Refused, match="Write the argument"):
        mod.edit_by_facilitator(PENDING, "   ")
    with pytest.raises(Refused, match="at most 500"):
        mod.edit_by_facilitator(PENDING, "x" * 501)


# Authors


@pytest.mark.parametrize("start", [PENDING, APPROVED_BY_POST_MODERATION])
def test_the_author_may_edit_and_withdraw_until_a_facilitator_acts(start: Argument) -> None:
    edited = mod.edit_by_author(start, AUTHOR, "Buses for all", has_votes=False)
    assert edited.text == "Buses for all" and not edited.edited
    assert edited.state is start.state
    assert mod.withdraw(start, AUTHOR).state is ArgumentState.WITHDRAWN
    assert mod.author_may_edit(start, AUTHOR, has_votes=False)
    assert mod.author_may_withdraw(start, AUTHOR)


FACILITATOR_ACTIONS: dict[str, Callable[[Argument], Argument]] = {
    "approve": mod.approve,
    "hide": lambda a: mod.hide(a, "other"),
    "restore": lambda a: mod.restore(mod.hide(a, "other")),
    "edit": lambda a: mod.edit_by_facilitator(a, "Fixed by the facilitator"),
    "merge target": lambda a: mod.merge(a, [argument(2, table_id=4)]).target,
}


@pytest.mark.parametrize("action", FACILITATOR_ACTIONS.values(), ids=FACILITATOR_ACTIONS.keys())
def test_after_any_facilitator_action_the_author_can_no_longer_change_it(
    action: Callable[[Argument], Argument],
) -> None:
    handled = action(PENDING)
    assert handled.moderated
    assert not mod.author_may_withdraw(handled, AUTHOR)
    assert not mod.author_may_edit(handled, AUTHOR, has_votes=False)
    with pytest.raises(Refused, match="facilitator has already handled"):
        mod.edit_by_author(handled, AUTHOR, "Changed", has_votes=False)
    with pytest.raises(Refused, match="facilitator has already handled"):
        mod.withdraw(handled, AUTHOR)


def test_a_merged_argument_cannot_be_changed_by_its_author() -> None:
    merged = mod.merge(argument(2, table_id=4), [PENDING]).merged[0]
    with pytest.raises(Refused, match="merged"):
        mod.withdraw(merged, AUTHOR)


def test_only_the_author_may_change_an_argument() -> None:
    with pytest.raises(Refused, match="Only the person who sent"):
        mod.edit_by_author(PENDING, AUTHOR + 1, "Mine now", has_votes=False)
    with pytest.raises(Refused, match="Only the person who sent"):
        mod.withdraw(PENDING, AUTHOR + 1)
    assert not mod.author_may_withdraw(PENDING, AUTHOR + 1)


def test_once_others_voted_the_author_may_withdraw_but_not_reword() -> None:
    with pytest.raises(Refused, match="already voted"):
        mod.edit_by_author(APPROVED_BY_POST_MODERATION, AUTHOR, "Opposite", has_votes=True)
    assert not mod.author_may_edit(APPROVED_BY_POST_MODERATION, AUTHOR, has_votes=True)
    assert mod.withdraw(APPROVED_BY_POST_MODERATION, AUTHOR).state is ArgumentState.WITHDRAWN


def test_an_author_edit_follows_the_text_rules() -> None:
    with pytest.raises(Refused, match="unchanged"):
        mod.edit_by_author(PENDING, AUTHOR, PENDING.text, has_votes=False)
    with pytest.raises(Refused, match="Write the argument"):
        mod.edit_by_author(PENDING, AUTHOR, "", has_votes=False)


def test_withdrawing_twice_is_refused() -> None:
    with pytest.raises(Refused, match="withdrawn"):
        mod.withdraw(mod.withdraw(PENDING, AUTHOR), AUTHOR)


# Merging


def test_merging_collects_tables_and_submissions_and_points_the_duplicates_at_the_target() -> None:
    target = argument(1, table_id=3, state=ArgumentState.APPROVED)
    a = argument(2, table_id=4)
    b = argument(3, table_id=5, state=ArgumentState.APPROVED)
    same_table = argument(4, table_id=3)
    result = mod.merge(target, [a, b, same_table])
    assert result.target.tables == {3, 4, 5}
    assert result.target.submissions == 4
    assert result.target.state is ArgumentState.APPROVED and result.target.moderated
    assert [m.state for m in result.merged] == [ArgumentState.MERGED] * 3
    assert {m.merged_into for m in result.merged} == {1}
    assert all(m.moderated for m in result.merged)


def test_a_merge_into_a_merge_target_carries_its_earlier_merges_along() -> None:
    first = mod.merge(argument(2, table_id=4), [argument(3, table_id=5)]).target
    final = mod.merge(argument(1, table_id=3), [first]).target
    assert final.tables == {3, 4, 5} and final.submissions == 3


def test_a_pending_target_stays_pending_so_merging_never_publishes() -> None:
    approved = argument(2, table_id=4, state=ArgumentState.APPROVED)
    assert mod.merge(PENDING, [approved]).target.state is ArgumentState.PENDING


@pytest.mark.parametrize(
    ("target", "duplicates", "message"),
    [
        (PENDING, [], "at least one"),
        (PENDING, [PENDING], "into itself"),
        (PENDING, [argument(2), argument(2)], "chosen twice"),
        (mod.hide(PENDING, "other"), [argument(2)], "Restore the argument"),
        (argument(state=ArgumentState.WITHDRAWN), [argument(2)], "withdrawn"),
        (argument(state=ArgumentState.MERGED), [argument(2)], "merged into another"),
        (PENDING, [argument(2, state=ArgumentState.HIDDEN)], "Only pending or approved"),
        (PENDING, [argument(2, state=ArgumentState.WITHDRAWN)], "Only pending or approved"),
        (PENDING, [argument(2, state=ArgumentState.MERGED)], "Only pending or approved"),
        (PENDING, [argument(2, proposal_id=12)], "same proposal"),
        (PENDING, [argument(2, proposal_id=None)], "same proposal"),
        (PENDING, [argument(2, stance=Stance.AGAINST)], "same stance"),
    ],
)
def test_impossible_merges_are_refused(
    target: Argument, duplicates: list[Argument], message: str
) -> None:
    with pytest.raises(Refused, match=message):
        mod.merge(target, duplicates)


@given(st.lists(st.tuples(st.integers(1, 9), st.integers(0, 3)), min_size=1, max_size=8))
def test_merging_never_loses_or_invents_a_submission_or_a_table(
    rows: list[tuple[int, int]],
) -> None:
    target = argument(0, table_id=1)
    duplicates = []
    for i, (table_id, earlier) in enumerate(rows):
        duplicate = argument(i + 1, table_id=table_id)
        extra_tables = frozenset(range(100, 100 + earlier))
        duplicates.append(
            replace(duplicate, merged_tables=extra_tables, merged_submissions=earlier)
        )
    result = mod.merge(target, duplicates)
    assert result.target.submissions == 1 + sum(d.submissions for d in duplicates)
    assert result.target.tables == {1}.union(*(d.tables for d in duplicates))
