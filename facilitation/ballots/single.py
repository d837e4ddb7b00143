"""Single choice: each voter picks exactly one option.

Raw form: `{"choice": "<option id>"}`, or `{"abstain": "1"}` where the vote allows
abstaining. Abstaining must be explicit here: a radio group left untouched is far more
often a slip than a decision, so an empty ballot is refused with a reminder instead of
being counted as an abstention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from facilitation.ballots.common import (
    Raw,
    abstain_requested,
    check_ballot_options,
    check_options,
    settle_abstention,
    single_value,
    unknown_option,
)
from facilitation.ballots.totals import Totals
from facilitation.errors import N_

CHOICE_FIELD = "choice"


@dataclass(frozen=True)
class SingleChoice:
    """A vote for one option. `allow_abstain` adds an explicit "I abstain" answer."""

    method: ClassVar[str] = "single"
    allow_abstain: bool = False


@dataclass(frozen=True)
class SingleBallot:
    """The chosen option's id, or None for an abstention."""

    kind: ClassVar[str] = "single"
    choice: str | None

    @property
    def abstained(self) -> bool:
        return self.choice is None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "choice": self.choice}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SingleBallot:
        choice = data["choice"]
        if choice is not None and not isinstance(choice, str):
            raise ValueError("stored choice must be a string or null")
        return cls(choice)


def parse(config: SingleChoice, options: Sequence[str], raw: Raw) -> SingleBallot:
    """Read a single-choice ballot from the form, or refuse it with the reason."""
    checked = check_options(options)
    choice = single_value(raw, CHOICE_FIELD, N_("Choose only one option."))
    if choice and choice not in checked:
        raise unknown_option(choice)
    abstained = settle_abstention(
        allowed=config.allow_abstain,
        requested=abstain_requested(raw),
        expressed=bool(choice),
        empty_counts=False,
        empty_message=(
            N_("Choose one of the options, or abstain.")
            if config.allow_abstain
            else N_("Choose one of the options.")
        ),
    )
    return SingleBallot(None if abstained else choice)


def tally(config: SingleChoice, options: Sequence[str], ballots: Sequence[SingleBallot]) -> Totals:
    """Count the votes for each option (plurality)."""
    checked = check_options(options)
    totals = dict.fromkeys(checked, 0)
    abstentions = 0
    for ballot in ballots:
        if ballot.choice is None:
            abstentions += 1
            continue
        check_ballot_options([ballot.choice], checked)
        totals[ballot.choice] += 1
    return Totals(SingleChoice.method, checked, totals, len(ballots), abstentions)
