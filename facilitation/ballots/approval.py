"""Approval voting: each voter approves any number of options, optionally up to a limit.

Raw form: `{"approve": ["a", "c"]}` (one checkbox per option, all named `approve`; a
lone string is one approval). The same option sent twice counts once, as a double tap
on a checkbox should. Approving nothing is an empty ballot: an abstention where the
vote allows abstaining, refused otherwise.
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
    field_values,
    refuse_unknown,
    settle_abstention,
    stored_strs,
)
from facilitation.ballots.totals import Totals
from facilitation.errors import N_, Refused

APPROVE_FIELD = "approve"


@dataclass(frozen=True)
class Approval:
    """Approve any subset; `max_approvals` caps how many (None: no cap)."""

    method: ClassVar[str] = "approval"
    max_approvals: int | None = None
    allow_abstain: bool = False

    def __post_init__(self) -> None:
        if self.max_approvals is not None and self.max_approvals < 1:
            raise Refused(N_("Let each voter approve at least one option."))


@dataclass(frozen=True)
class ApprovalBallot:
    """The approved options, in ballot order; empty for an abstention."""

    kind: ClassVar[str] = "approval"
    approved: tuple[str, ...]

    @property
    def abstained(self) -> bool:
        return not self.approved

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "approve": list(self.approved)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApprovalBallot:
        return cls(stored_strs(data["approve"], "approve"))


def parse(config: Approval, options: Sequence[str], raw: Raw) -> ApprovalBallot:
    """Read an approval ballot from the form, or refuse it with the reason."""
    checked = check_options(options)
    chosen = set(field_values(raw, APPROVE_FIELD))
    refuse_unknown(sorted(chosen), checked)
    approved = tuple(option for option in checked if option in chosen)
    if config.max_approvals is not None and len(approved) > config.max_approvals:
        raise Refused(
            N_("You can approve at most %(max)s of the options, and you approved %(count)s."),
            max=config.max_approvals,
            count=len(approved),
        )
    abstained = settle_abstention(
        allowed=config.allow_abstain,
        requested=abstain_requested(raw),
        expressed=bool(approved),
        empty_counts=True,
        empty_message=N_("Approve at least one of the options."),
    )
    return ApprovalBallot(() if abstained else approved)


def tally(config: Approval, options: Sequence[str], ballots: Sequence[ApprovalBallot]) -> Totals:
    """Count the approvals of each option."""
    checked = check_options(options)
    totals = dict.fromkeys(checked, 0)
    abstentions = 0
    for ballot in ballots:
        if ballot.abstained:
            abstentions += 1
        check_ballot_options(ballot.approved, checked)
        for option in set(ballot.approved):
            totals[option] += 1
    return Totals(Approval.method, checked, totals, len(ballots), abstentions)
