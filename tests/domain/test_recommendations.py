"""Recommendations: drafting, merging, amending, support, minority statements, the council."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from facilitation.errors import Refused
from facilitation.recommendations import amendments, council, drafts, support
from facilitation.recommendations.amendments import Amendment, AmendmentState, TextChanged
from facilitation.recommendations.drafts import Recommendation, RecommendationState
from facilitation.recommendations.settings import (
    Phase,
    RecommendationSettings,
    checked_setup,
    next_phase,
)

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
DRAFTING = RecommendationSettings()
AMENDING = RecommendationSettings(phase=Phase.AMENDING)
SUPPORT = RecommendationSettings(phase=Phase.SUPPORT)
BUSES = Recommendation(1, 10, "Buses", "Run buses every ten minutes.", tables=(10,))


def new(settings: RecommendationSettings = DRAFTING, **changes: object) -> drafts.NewRecommendation:
    values: dict[str, object] = {
        "table_id": 10,
        "title": "Buses",
        "text": "Run buses every ten minutes.",
        "proposal_id": None,
        "table_drafts": 0,
        "now": NOW,
    }
    values.update(changes)
    return drafts.draft_recommendation(settings, **values)  # type: ignore[arg-type]


def test_a_table_drafts_a_recommendation_with_a_clean_title_and_text() -> None:
    made = new(title="  Buses\u202e ", text="Run buses\r\nevery ten minutes.")
    assert (made.title, made.text) == ("Buses", "Run buses\nevery ten minutes.")
    assert drafts.first_version(made).cause is drafts.VersionCause.DRAFTED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"table_id": None}, "Sit down at a table"),
        ({"title": " \u200b "}, "short title"),
        ({"text": ""}, "Write the recommendation"),
        ({"text": "x" * 1501}, "at most 1500 characters; this one is 1 too long"),
        ({"title": "t" * 121}, "at most 120"),
    ],
)
def test_bad_drafts_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(Refused, match=message):
        new(**changes)


def test_drafting_is_refused_after_the_drafting_phase_and_over_the_tables_limit() -> None:
    with pytest.raises(Refused, match="Drafting is over"):
        new(AMENDING)
    with pytest.raises(Refused, match="written 2 recommendations"):
        new(RecommendationSettings(per_table=2), table_drafts=2)


def test_only_the_own_table_edits_and_an_edit_is_a_new_version() -> None:
    changed, version = drafts.edit_draft(DRAFTING, BUSES, 10, "Buses", "Run buses often.")
    assert (changed.version, version.number, version.cause) == (2, 2, drafts.VersionCause.EDITED)
    with pytest.raises(Refused, match="Only the table"):
        drafts.edit_draft(DRAFTING, BUSES, 11, "Buses", "Other")
    with pytest.raises(Refused, match="unchanged"):
        drafts.edit_draft(DRAFTING, BUSES, 10, BUSES.title, BUSES.text)
    gone = drafts.withdraw_draft(DRAFTING, BUSES, 10)
    assert gone.state is RecommendationState.WITHDRAWN
    with pytest.raises(Refused, match="no longer in play"):
        drafts.edit_draft(DRAFTING, gone, 10, "Buses", "Again")


def test_near_identical_drafts_of_different_tables_are_suggested_for_merging() -> None:
    alike = Recommendation(2, 11, "Buses", "Run the buses every ten minutes.", tables=(11,))
    same_table = Recommendation(3, 10, "Buses", "Run buses every ten minutes!", tables=(10,))
    other = Recommendation(4, 12, "Parks", "Plant more trees in the parks.", tables=(12,))
    on_a_proposal = Recommendation(
        5, 13, "Buses", "Run buses every ten minutes.", proposal_id=7, tables=(13,)
    )
    found = drafts.suggest_merges([BUSES, alike, same_table, other, on_a_proposal])
    assert [(s.first, s.second) for s in found] == [(1, 2), (2, 3)]


def test_a_merge_keeps_where_each_came_from_and_a_version() -> None:
    alike = Recommendation(2, 11, "Buses", "Run the buses every ten minutes.", tables=(11,))
    merged, gone, version = drafts.merge(AMENDING, BUSES, alike, text="Buses every 10 minutes.")
    assert merged.tables == (10, 11)
    assert (merged.text, merged.version) == ("Buses every 10 minutes.", 2)
    assert (gone.state, gone.merged_into) == (RecommendationState.MERGED, 1)
    assert version.cause is drafts.VersionCause.MERGED
    with pytest.raises(Refused, match="only before the support round"):
        drafts.merge(SUPPORT, BUSES, alike)
    with pytest.raises(Refused, match="two different"):
        drafts.merge(DRAFTING, BUSES, BUSES)
    with pytest.raises(Refused, match="still in play"):
        drafts.merge(DRAFTING, BUSES, gone)


def amendment(**changes: object) -> Amendment:
    base = Amendment(5, 1, 11, 1, "Run buses every five minutes.")
    return Amendment(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_an_amendment_to_a_text_that_changed_meanwhile_is_refused_with_the_current_text() -> None:
    moved_on = Recommendation(1, 10, "Buses", "Buses every 10 minutes.", version=3)
    with pytest.raises(TextChanged, match="Buses every 10 minutes") as refused:
        amendments.propose_amendment(
            AMENDING, moved_on, table_id=11, base_version=2, text="Something else."
        )
    assert refused.value.current.version == 3
    made = amendments.propose_amendment(
        AMENDING, moved_on, table_id=11, base_version=3, text="Buses every 5 minutes."
    )
    assert made.base_version == 3
    with pytest.raises(Refused, match="reads the same"):
        amendments.propose_amendment(
            AMENDING, moved_on, table_id=11, base_version=3, text=moved_on.text
        )
    with pytest.raises(Refused, match="only while the plenary amends"):
        amendments.propose_amendment(DRAFTING, moved_on, table_id=11, base_version=3, text="Other.")


def test_a_quick_vote_carries_with_more_yes_than_no_and_makes_a_new_version() -> None:
    voting = amendments.open_vote(AMENDING, amendment())
    assert amendments.check_vote(AMENDING, voting, "yes") is amendments.Choice.YES
    with pytest.raises(Refused, match="yes or no"):
        amendments.check_vote(AMENDING, voting, "maybe")
    done, changed, version = amendments.close_vote(AMENDING, voting, BUSES, yes=3, no=2)
    assert done.state is AmendmentState.ACCEPTED and done.decided_by is amendments.DecidedBy.VOTE
    assert changed is not None and changed.text == "Run buses every five minutes."
    assert version is not None and version.amendment_id == 5 and version.number == 2
    tied, unchanged, _ = amendments.close_vote(AMENDING, voting, BUSES, yes=2, no=2)
    assert tied.state is AmendmentState.REJECTED and unchanged is None
    with pytest.raises(Refused, match="already been decided"):
        amendments.open_vote(AMENDING, done)


def test_the_facilitator_decides_with_a_reason_and_a_stale_amendment_cannot_be_accepted() -> None:
    with pytest.raises(Refused, match="Say why"):
        amendments.decide(AMENDING, amendment(), BUSES, accept=False, reason=" ")
    rejected, _, _ = amendments.decide(AMENDING, amendment(), BUSES, accept=False, reason="Vague")
    assert (rejected.state, rejected.reason) == (AmendmentState.REJECTED, "Vague")
    newer = Recommendation(1, 10, "Buses", "Changed.", version=2)
    with pytest.raises(TextChanged):
        amendments.decide(AMENDING, amendment(), newer, accept=True, reason="Clear")


def test_support_counts_the_last_level_and_adopts_at_exactly_two_thirds() -> None:
    two_of_three = support.tally_support(SUPPORT, ["full", "live_with", "cannot"])
    assert (two_of_three.supporting, two_of_three.answered) == (2, 3)
    assert two_of_three.share == Fraction(2, 3) and two_of_three.adopted
    assert two_of_three.counts == (1, 0, 1, 0, 1)
    short = support.tally_support(SUPPORT, ["full", "serious", "cannot", "reservations"])
    assert not short.adopted
    assert not support.tally_support(SUPPORT, []).adopted
    majority = RecommendationSettings(phase=Phase.SUPPORT, **_rule("majority"))
    assert not support.tally_support(majority, ["full", "cannot"]).adopted
    consensus = RecommendationSettings(phase=Phase.SUPPORT, **_rule("consensus"))
    assert not support.tally_support(consensus, ["full"] * 9 + ["serious"]).adopted
    assert support.tally_support(consensus, ["full", "live_with"]).adopted


def _rule(key: str) -> dict[str, object]:
    made = RecommendationSettings.from_settings(checked_setup("gradient5", key, "choice", ""))
    return {"rule": made.rule}


def test_support_is_refused_outside_the_round_or_off_the_scale() -> None:
    with pytest.raises(Refused, match="not open"):
        support.check_support(AMENDING, BUSES, "full")
    with pytest.raises(Refused, match="levels of support"):
        support.check_support(SUPPORT, BUSES, "sort of")
    assert support.check_support(SUPPORT, BUSES, "cannot") == "cannot"


def test_only_those_who_cannot_support_write_a_minority_statement_signed_as_allowed() -> None:
    write = dict(table_id=10, text="We need night buses first.")
    with pytest.raises(Refused, match="cannot support"):
        support.check_statement(SUPPORT, BUSES, level="serious", signed=True, **write)  # type: ignore[arg-type]
    signed = support.check_statement(SUPPORT, BUSES, level="cannot", signed=True, **write)  # type: ignore[arg-type]
    assert signed.table_id == 10
    anonymous_only = RecommendationSettings(phase=Phase.CLOSED, signing=_signing("anonymous"))
    made = support.check_statement(anonymous_only, BUSES, level="cannot", signed=True, **write)  # type: ignore[arg-type]
    assert made.table_id is None
    with pytest.raises(Refused, match="at most 1000"):
        support.check_statement(
            SUPPORT, BUSES, level="cannot", signed=False, table_id=10, text="x" * 1001
        )


def _signing(value: str) -> support.Signing:
    return support.Signing(value)


def test_phases_run_forward_to_a_final_close() -> None:
    assert next_phase(Phase.DRAFTING) is Phase.AMENDING
    assert next_phase(Phase.SUPPORT) is Phase.CLOSED
    with pytest.raises(Refused, match="final"):
        next_phase(Phase.CLOSED)
    with pytest.raises(Refused, match="options offered"):
        checked_setup("seven", "two_thirds", "choice", "")
    assert RecommendationSettings.from_settings({}).rule.share == Fraction(2, 3)


def test_the_council_answers_only_adopted_recommendations() -> None:
    fields = dict(status="partly", reason="Budget.", decided_on="2026-06-01", link="")
    with pytest.raises(Refused, match="adopted"):
        council.checked_answer(adopted=False, **fields)
    made = council.checked_answer(adopted=True, **fields)
    assert made.decided_on == date(2026, 6, 1)
    for bad, message in [
        ({"status": "maybe"}, "what the council decided"),
        ({"reason": ""}, "reason"),
        ({"decided_on": "1 June"}, "as a date"),
        ({"link": "javascript:alert(1)"}, "web address"),
    ]:
        with pytest.raises(Refused, match=message):
            council.checked_answer(adopted=True, **{**fields, **bad})
    assert council.checked_link(" https://bergen.kommune.no/vedtak/1 ").startswith("https://")


def test_the_side_by_side_view_marks_removed_and_added_words() -> None:
    from facilitation.recommendations.compare import word_changes

    left, right = word_changes("Run buses every ten minutes.", "Run buses every five minutes.")
    assert left == [("same", "Run buses every"), ("removed", "ten"), ("same", "minutes.")]
    assert right == [("same", "Run buses every"), ("added", "five"), ("same", "minutes.")]


def test_a_closed_recommendation_takes_a_minority_statement_only_if_it_was_adopted() -> None:
    closed = RecommendationSettings(phase=Phase.CLOSED)
    write = dict(level="cannot", table_id=10, text="Night buses first.", signed=False)
    with pytest.raises(Refused, match="did not adopt"):
        support.check_statement(closed, replace(BUSES, adopted=False), **write)  # type: ignore[arg-type]
    made = support.check_statement(closed, replace(BUSES, adopted=True), **write)  # type: ignore[arg-type]
    assert made.text == "Night buses first."
    with pytest.raises(Refused, match="Write the statement"):
        support.check_statement(closed, replace(BUSES, adopted=True), **{**write, "text": " "})  # type: ignore[arg-type]


def test_an_empty_or_overlong_amendment_is_refused() -> None:
    for text, message in ((" ", "Write the recommendation"), ("x" * 1501, "1 too long")):
        with pytest.raises(Refused, match=message):
            amendments.propose_amendment(AMENDING, BUSES, table_id=11, base_version=1, text=text)
