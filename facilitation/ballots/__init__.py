"""Ballots of a priorities vote: reading what a phone sent, and counting the ballots.

Each method has its own module: a frozen config, `parse` (raw form → ballot or
`Refused`) and `tally` (ballots → result). This package is the one door the server
uses: `validate` and `tally` pick the method from the config's type, and the
`*_to_dict`/`*_from_dict` pairs turn configs, ballots and results into JSON and back.

| method      | config        | raw form                                  | result          |
| ----------- | ------------- | ----------------------------------------- | --------------- |
| `single`    | SingleChoice  | `{"choice": "b"}`                         | Totals          |
| `approval`  | Approval      | `{"approve": ["a", "c"]}`                 | Totals          |
| `dots`      | DotVoting     | `{"points:a": "3", "points:c": "2"}`      | Totals          |
| `borda`     | Borda         | `{"rank:1": "c", "rank:2": "a"}`          | Totals          |
| `schulze`   | Schulze       | `{"rank:1": "c", "rank:2": "a"}`          | SchulzeResult   |
| `agreement` | Agreement     | `{"score:a": "4", "score:b": "2"}`        | AgreementResult |

Any method also reads `{"abstain": "1"}`; see `facilitation.ballots.common`.
Options are an ordered sequence of ids; their order is the tie-break order.
Tallies are sums over ballots, so they do not depend on the order ballots come in.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from types import NoneType, UnionType
from typing import Any, TypeVar

from facilitation.ballots import approval, borda, dots, ranking, schulze, score, single
from facilitation.ballots.approval import Approval, ApprovalBallot
from facilitation.ballots.borda import Borda
from facilitation.ballots.common import Raw, canonical_ballot, digest_ballots, shown
from facilitation.ballots.dots import DotBallot, DotVoting
from facilitation.ballots.ranking import RankedVote, RankingBallot
from facilitation.ballots.schulze import Schulze, SchulzeResult
from facilitation.ballots.score import Agreement, AgreementBallot, AgreementResult
from facilitation.ballots.single import SingleBallot, SingleChoice
from facilitation.ballots.totals import RECORD_FORMAT, Totals
from facilitation.errors import N_, Refused

__all__ = [
    "METHODS",
    "Agreement",
    "AgreementBallot",
    "AgreementResult",
    "Approval",
    "ApprovalBallot",
    "Ballot",
    "Borda",
    "Config",
    "DotBallot",
    "DotVoting",
    "Method",
    "RankedVote",
    "RankingBallot",
    "Raw",
    "Result",
    "Schulze",
    "SchulzeResult",
    "SingleBallot",
    "SingleChoice",
    "Totals",
    "ballot_from_dict",
    "canonical_ballot",
    "config_from_dict",
    "config_to_dict",
    "digest_ballots",
    "result_from_dict",
    "tally",
    "validate",
]

Config = SingleChoice | Approval | DotVoting | Borda | Schulze | Agreement
Ballot = SingleBallot | ApprovalBallot | DotBallot | RankingBallot | AgreementBallot
Result = Totals | SchulzeResult | AgreementResult

B = TypeVar("B", SingleBallot, ApprovalBallot, DotBallot, RankingBallot, AgreementBallot)


@dataclass(frozen=True)
class Method:
    """A counting method as the organiser picks it: its name, title and config type."""

    name: str
    title: str
    config: type[Config]
    ballot: type[Ballot]


METHODS: Mapping[str, Method] = {
    method.name: method
    for method in (
        Method("single", N_("Single choice"), SingleChoice, SingleBallot),
        Method("approval", N_("Approval voting"), Approval, ApprovalBallot),
        Method("dots", N_("Dot voting"), DotVoting, DotBallot),
        Method("borda", N_("Ranking, counted by the Borda count"), Borda, RankingBallot),
        Method("schulze", N_("Ranking, counted by the Schulze method"), Schulze, RankingBallot),
        Method("agreement", N_("Agreement from 1 to 5 per proposal"), Agreement, AgreementBallot),
    )
}

_BALLOTS: Mapping[str, type[Ballot]] = {
    kind.kind: kind
    for kind in (SingleBallot, ApprovalBallot, DotBallot, RankingBallot, AgreementBallot)
}


def validate(config: Config, options: Sequence[str], raw: Raw) -> Ballot:
    """Read one voter's ballot from the raw form, or raise `Refused` saying what to fix."""
    if isinstance(config, SingleChoice):
        return single.parse(config, options, raw)
    if isinstance(config, Approval):
        return approval.parse(config, options, raw)
    if isinstance(config, DotVoting):
        return dots.parse(config, options, raw)
    if isinstance(config, RankedVote):
        return ranking.parse(config, options, raw)
    if isinstance(config, Agreement):
        return score.parse(config, options, raw)
    raise TypeError(f"not a voting method: {config!r}")


def tally(config: Config, options: Sequence[str], ballots: Sequence[Ballot]) -> Result:
    """Count the ballots of one vote; a ballot of another method's kind is a bug."""
    if isinstance(config, SingleChoice):
        return single.tally(config, options, _all_of(ballots, SingleBallot))
    if isinstance(config, Approval):
        return approval.tally(config, options, _all_of(ballots, ApprovalBallot))
    if isinstance(config, DotVoting):
        return dots.tally(config, options, _all_of(ballots, DotBallot))
    if isinstance(config, Borda):
        return borda.tally(config, options, _all_of(ballots, RankingBallot))
    if isinstance(config, Schulze):
        return schulze.tally(config, options, _all_of(ballots, RankingBallot))
    if isinstance(config, Agreement):
        return score.tally(config, options, _all_of(ballots, AgreementBallot))
    raise TypeError(f"not a voting method: {config!r}")


def _all_of(ballots: Sequence[Ballot], kind: type[B]) -> list[B]:
    checked: list[B] = []
    for ballot in ballots:
        if not isinstance(ballot, kind):
            raise TypeError(f"a {type(ballot).__name__} cannot be counted as a {kind.__name__}")
        checked.append(ballot)
    return checked


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as JSON-ready settings of a vote step, naming its method."""
    return {"method": config.method, **{f.name: getattr(config, f.name) for f in fields(config)}}


def config_from_dict(data: Mapping[str, Any]) -> Config:
    """Rebuild a config from stored settings; missing settings take their defaults.

    An unknown method is refused (it may come from the organiser's form); a setting of
    the wrong type or name can only come from a bug and is an error. The config itself
    refuses values outside its limits.
    """
    name = data.get("method")
    method = METHODS.get(name) if isinstance(name, str) else None
    if method is None:
        raise Refused(N_("Unknown voting method: %(method)s."), method=shown(str(name)))
    hints = typing.get_type_hints(method.config)
    known = {f.name for f in fields(method.config)}
    settings = {key: value for key, value in data.items() if key != "method"}
    for key, value in settings.items():
        if key not in known:
            raise ValueError(f"{method.name} has no setting {key!r}")
        if not _fits(value, hints[key]):
            raise ValueError(f"the setting {key!r} of {method.name} has the wrong type")
    return method.config(**settings)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a stored value fits a config field typed bool, int or int | None."""
    if isinstance(hint, UnionType):
        return any(_fits(value, member) for member in typing.get_args(hint))
    if hint is NoneType:
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    raise TypeError(f"config fields of type {hint!r} are not supported")


def ballot_from_dict(data: Mapping[str, Any]) -> Ballot:
    """Rebuild a stored ballot from its dict (the parsed form of `canonical_ballot`)."""
    kind = _BALLOTS.get(data.get("kind", ""))
    if kind is None:
        raise ValueError(f"unknown kind of ballot: {data.get('kind')!r}")
    return kind.from_dict(data)


def result_from_dict(data: Mapping[str, Any]) -> Result:
    """Rebuild a frozen result record, working out order and figures from its counts."""
    if data.get("format") != RECORD_FORMAT:
        raise ValueError(f"unknown result record format: {data.get('format')!r}")
    method = data.get("method")
    if method == SchulzeResult.method:
        return SchulzeResult.from_dict(data)
    if method == AgreementResult.method:
        return AgreementResult.from_dict(data)
    if method in ("single", "approval", "dots", "borda"):
        return Totals.from_dict(data)
    raise ValueError(f"unknown method in result record: {method!r}")
