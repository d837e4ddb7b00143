"""Ranked ballots: each voter puts options in order of preference, all of them or the top k.

Raw form: one field per place, `{"rank:1": "c", "rank:2": "a"}` (a select per place);
a blank place is left empty. Places are filled from 1 without gaps, each option at
most once. With `top=k` a voter ranks at most k options; with `complete` every place
must be filled (all options, or exactly k with `top`). Ranking nothing is an empty
ballot: an abstention where the vote allows abstaining, refused otherwise.

The same ballot is counted by the Borda count (`facilitation.ballots.borda`) or the
Schulze method (`facilitation.ballots.schulze`); each says how it reads the options a
voter left unranked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from facilitation.ballots.common import (
    Raw,
    abstain_requested,
    check_options,
    read_whole_number,
    settle_abstention,
    shown,
    single_value,
    stored_strs,
    suffixes,
    unknown_option,
)
from facilitation.errors import N_, Refused

RANK_PREFIX = "rank"


@dataclass(frozen=True)
class RankedVote:
    """What a ranked ballot may hold; the counting method is the subclass.

    `top`: how many options a voter may rank (None: all of them).
    `complete`: every place must be filled, for a full ranking or an exact top k.
    """

    method: ClassVar[str] = "ranking"
    top: int | None = None
    complete: bool = False
    allow_abstain: bool = False

    def __post_init__(self) -> None:
        if self.top is not None and self.top < 1:
            raise Refused(N_("Let each voter rank at least one option."))

    def places(self, options: Sequence[str]) -> int:
        """How many places the ballot has for these options."""
        return len(options) if self.top is None else min(self.top, len(options))


@dataclass(frozen=True)
class RankingBallot:
    """The ranked options, most preferred first; empty for an abstention."""

    kind: ClassVar[str] = "ranking"
    ranking: tuple[str, ...]

    @property
    def abstained(self) -> bool:
        return not self.ranking

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ranking": list(self.ranking)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RankingBallot:
        ranking = stored_strs(data["ranking"], "ranking")
        if len(set(ranking)) != len(ranking):
            raise ValueError("a stored ranking must not repeat an option")
        return cls(ranking)


def parse(config: RankedVote, options: Sequence[str], raw: Raw) -> RankingBallot:
    """Read a ranked ballot from the form, or refuse it with the reason."""
    checked = check_options(options)
    places = config.places(checked)
    placed = _read_places(raw, checked, places)
    _refuse_repeats(placed.values(), checked)
    filled = sorted(placed)
    for expected, place in enumerate(filled, start=1):
        if place != expected:
            raise Refused(
                N_(
                    "Place %(missing)s is empty, but place %(later)s is filled. "
                    "Fill the places in order, starting with 1."
                ),
                missing=expected,
                later=place,
            )
    if config.complete and 0 < len(filled) < places:
        raise Refused(
            N_("Fill all %(places)s places; you have filled %(filled)s."),
            places=places,
            filled=len(filled),
        )
    abstained = settle_abstention(
        allowed=config.allow_abstain,
        requested=abstain_requested(raw),
        expressed=bool(filled),
        empty_counts=True,
        empty_message=N_("Put at least one of the options in place 1."),
    )
    return RankingBallot(() if abstained else tuple(placed[place] for place in filled))


def _read_places(raw: Raw, options: Sequence[str], places: int) -> dict[int, str]:
    """Map each filled place to its option, refusing places and options that do not exist."""
    placed: dict[int, str] = {}
    for suffix in sorted(suffixes(raw, RANK_PREFIX), key=_place_order):
        option = single_value(
            raw,
            f"{RANK_PREFIX}:{suffix}",
            N_("Put only one option in place %(place)s."),
            place=shown(suffix),
        )
        if not option:
            continue
        place = read_whole_number(suffix)
        if place is None or place < 1 or suffix != str(place):
            raise Refused(N_("There is no place %(place)s on this ballot."), place=shown(suffix))
        if place > places:
            raise Refused(N_("You can rank at most %(max)s options."), max=places)
        if option not in options:
            raise unknown_option(option)
        placed[place] = option
    return placed


def _place_order(suffix: str) -> tuple[int, str]:
    """Sort places by number, so that the first problem reported is the first on screen."""
    number = read_whole_number(suffix)
    return (number if number is not None else 0, suffix)


def _refuse_repeats(placed: Iterable[str], options: Sequence[str]) -> None:
    counts = Counter(placed)
    for option in options:
        if counts[option] > 1:
            raise Refused(
                N_("You ranked %(option)s more than once. Give each option one place."),
                option=option,
            )
