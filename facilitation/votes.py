"""A vote step as the organiser sets it up: method, options, who votes, when results show.

The ballot methods themselves live in `facilitation.ballots`; this module reads the
organiser's form into a `VoteSettings` and back, so a vote step is plain data in the
step's settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from facilitation.ballots import (
    METHODS,
    Config,
    config_from_dict,
    config_to_dict,
)
from facilitation.errors import N_, Refused
from facilitation.numbers import parse_whole
from facilitation.steps import clean_text

OPTION_MAX = 120
OPTIONS_MAX = 30
Scope = Literal["individual", "table"]
Reveal = Literal["live", "reveal"]


@dataclass(frozen=True)
class VoteSettings:
    """`options` are ids: `p<id>` for a panel proposal, `o<n>` for the organiser's own.

    `scope`: each participant's secret ballot, or one ballot per table entered by its
    facilitator. `results`: shown live as ballots come in, or only once revealed.
    """

    config: Config
    options: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    scope: Scope = "individual"
    results: Reveal = "reveal"

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": config_to_dict(self.config),
            "options": list(self.options),
            "labels": dict(self.labels),
            "scope": self.scope,
            "results": self.results,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VoteSettings:
        if data.get("scope") not in ("individual", "table") or data.get("results") not in (
            "live",
            "reveal",
        ):
            raise ValueError("stored vote settings are damaged")
        scope: Scope = "table" if data["scope"] == "table" else "individual"
        results: Reveal = "live" if data["results"] == "live" else "reveal"
        return cls(
            config_from_dict(data["config"]),
            tuple(data.get("options", ())),
            dict(data.get("labels", {})),
            scope,
            results,
        )


def proposal_option(proposal_id: int) -> str:
    return f"p{proposal_id}"


def proposal_of(option: str) -> int | None:
    return int(option[1:]) if option.startswith("p") and option[1:].isdigit() else None


def vote_settings_from_form(
    form: Mapping[str, str], proposals: Sequence[str], proposal_ids: Sequence[int]
) -> VoteSettings:
    """Read the organiser's form; every field is a string as the browser sent it.

    `proposals` is the chosen proposal ids (as strings), `proposal_ids` every proposal
    the panel has. Own options come one per line in `own_options`.
    """
    method = form.get("method", "")
    if method not in METHODS:
        raise Refused(N_("Choose how the vote is counted."))
    numbers = [parse_whole(p) for p in proposals]
    chosen = [proposal_option(n) for n in numbers if n is not None and n in proposal_ids]
    if len(chosen) != len(proposals):
        raise Refused(N_("Choose only proposals of this panel."))
    own_lines = [clean_text(line) for line in form.get("own_options", "").splitlines()]
    own = [line for line in own_lines if line]
    if any(len(line) > OPTION_MAX for line in own):
        raise Refused(N_("An option can be at most %(max)s characters."), max=OPTION_MAX)
    labels = {f"o{n}": text for n, text in enumerate(own, start=1)}
    options = tuple(chosen + list(labels))
    if not options:
        raise Refused(N_("Choose the proposals on the ballot or write your own options."))
    if len(options) > OPTIONS_MAX:
        raise Refused(N_("A ballot can have at most %(max)s options."), max=OPTIONS_MAX)
    if form.get("scope", "individual") not in ("individual", "table"):
        raise Refused(N_("Choose who votes: each participant, or each table."))
    if form.get("results", "reveal") not in ("live", "reveal"):
        raise Refused(N_("Choose when the results are shown."))
    scope: Scope = "table" if form.get("scope") == "table" else "individual"
    results: Reveal = "live" if form.get("results") == "live" else "reveal"
    settings: dict[str, Any] = {
        "method": method,
        "allow_abstain": form.get("allow_abstain") == "on",
    }
    for name in ("budget", "max_per_option", "max_approvals", "top", "adopt_percent"):
        if name in _FIELDS[method]:
            settings[name] = _whole(form.get(name, ""), required=name in _REQUIRED)
    if method in ("borda", "schulze"):
        settings["complete"] = form.get("complete") == "on"
    return VoteSettings(config_from_dict(settings), options, labels, scope, results)


_FIELDS = {
    "single": (),
    "approval": ("max_approvals",),
    "dots": ("budget", "max_per_option"),
    "borda": ("top",),
    "schulze": ("top",),
    "agreement": ("adopt_percent",),
}
_REQUIRED = {"budget", "adopt_percent"}


def _whole(value: str, *, required: bool) -> int | None:
    value = value.strip()
    if not value:
        if required:
            raise Refused(N_("Fill in every number of the voting method."))
        return None
    number = parse_whole(value)
    if number is None or number < 0:
        raise Refused(N_("%(value)s is not a whole number."), value=value[:20])
    return number
