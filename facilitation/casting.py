"""When a ballot may be cast, and what its options are called on screen.

Every way a ballot arrives — a phone, the facilitator's tablet for a table, an
assisted or a paper ballot — goes through `checked_cast`, so the vote being open,
closed or table-scoped is decided in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

from facilitation.errors import N_, Refused
from facilitation.votes import VoteSettings, proposal_of

Source = Literal["phone", "table", "assisted", "paper"]
SOURCES: tuple[Source, ...] = ("phone", "table", "assisted", "paper")

NOTHING_OPEN = N_("Nothing is open for answers right now. Wait for the facilitator.")
NO_VOTE = N_("No vote is open right now.")
CLOSED = N_("This vote has closed. The results are final.")
NOT_SET_UP = N_("This vote is not set up yet. Ask the organiser to choose the options.")
TABLE_VOTE = N_("In this vote each table gives one answer, entered by its facilitator.")


def stored_vote(settings: Mapping[str, Any]) -> VoteSettings | None:
    """A vote step's settings as kept in the step, or None when not set up yet.

    Parsed once per distinct setting: during a vote every ballot reads them.
    """
    stored = settings.get("vote")
    if not stored:
        return None
    return _parsed(json.dumps(stored, sort_keys=True))


@lru_cache(maxsize=256)
def _parsed(stored: str) -> VoteSettings:
    return VoteSettings.from_dict(json.loads(stored))


def open_vote(*, running: bool, kind: str | None, closed: bool) -> None:
    """Refused unless a vote step is open now and not yet closed."""
    if not running or kind is None:
        raise Refused(NOTHING_OPEN)
    if kind != "vote":
        raise Refused(NO_VOTE)
    if closed:
        raise Refused(CLOSED)


def checked_cast(
    *,
    running: bool,
    kind: str | None,
    closed: bool,
    settings: Mapping[str, Any],
    source: str,
    table_id: int | None = None,
) -> VoteSettings:
    """The vote a ballot from `source` goes to now, or why it cannot be cast.

    In a table-scoped vote only the facilitator enters ballots, one per table
    (`source="table"` with the table); in any other vote nobody can.
    """
    open_vote(running=running, kind=kind, closed=closed)
    vote = stored_vote(settings)
    if vote is None:
        raise Refused(NOT_SET_UP)
    if source not in SOURCES:
        raise Refused(N_("Unknown kind of ballot."))
    if source == "table":
        if vote.scope != "table" or table_id is None:
            raise Refused(N_("Choose the table whose answer this is."))
    elif vote.scope == "table":
        raise Refused(TABLE_VOTE)
    return vote


def option_labels(vote: VoteSettings, proposal_titles: Mapping[int, str]) -> dict[str, str]:
    """Each option's label: its proposal's title, or the organiser's own text."""
    labels = dict(vote.labels)
    for option in vote.options:
        proposal = proposal_of(option)
        if proposal is not None:
            labels[option] = proposal_titles.get(proposal, "?")
    return labels
