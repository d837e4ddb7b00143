"""When a ballot may be cast: one rule for phones, tablets, assisted and paper ballots."""

from __future__ import annotations

from typing import Any

import pytest

from facilitation.casting import checked_cast, option_labels, stored_vote
from facilitation.errors import Refused

INDIVIDUAL = {
    "vote": {
        "config": {"method": "single"},
        "options": ["p7", "o1"],
        "labels": {"o1": "Something else"},
        "scope": "individual",
        "results": "live",
    }
}
TABLE = {"vote": {**INDIVIDUAL["vote"], "scope": "table"}}


def cast(settings: dict[str, Any], source: str, **state: Any) -> str:
    """The refusal's message, or "ok"."""
    open_now = {"running": True, "kind": "vote", "closed": False}
    try:
        checked_cast(settings=settings, source=source, **{**open_now, **state})
    except Refused as refusal:
        return refusal.message
    return "ok"


def test_a_ballot_goes_only_to_a_vote_that_is_open_now() -> None:
    assert cast(INDIVIDUAL, "phone") == "ok"
    assert cast(INDIVIDUAL, "phone", running=False).startswith("Nothing is open")
    assert cast(INDIVIDUAL, "phone", kind=None).startswith("Nothing is open")
    assert cast(INDIVIDUAL, "phone", kind="discussion") == "No vote is open right now."
    assert cast(INDIVIDUAL, "paper", closed=True).startswith("This vote has closed")
    assert cast({}, "phone").startswith("This vote is not set up yet")


def test_in_a_table_vote_only_the_facilitator_enters_one_answer_per_table() -> None:
    assert cast(TABLE, "table", table_id=3) == "ok"
    assert cast(TABLE, "table").startswith("Choose the table")
    for source in ("phone", "assisted", "paper"):
        assert cast(TABLE, source).startswith("In this vote each table gives one answer")
    assert cast(INDIVIDUAL, "table", table_id=3).startswith("Choose the table")
    assert cast(INDIVIDUAL, "carrier pigeon") == "Unknown kind of ballot."


def test_options_are_labelled_by_their_proposal_or_the_organisers_text() -> None:
    vote = stored_vote(INDIVIDUAL)
    assert vote is not None and stored_vote({}) is None
    assert option_labels(vote, {7: "Car-free centre"}) == {
        "p7": "Car-free centre",
        "o1": "Something else",
    }
    assert option_labels(vote, {})["p7"] == "?"


@pytest.mark.parametrize("stored", [{"vote": None}, {"vote": {}}])
def test_a_vote_never_set_up_has_no_settings(stored: dict[str, Any]) -> None:
    assert stored_vote(stored) is None
