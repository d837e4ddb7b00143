"""Arguments that a table sends during a discussion step.

One participant types on behalf of the table: the argument is about one of the step's
proposals (or none, when the step is open-ended), it is for, against or another
consideration, and its text follows the rules in `facilitation.deliberation.text`.
The author is recorded so that they alone can fix or withdraw it before a facilitator
acts, and so that limits and rates are per person; it is never shown to anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from facilitation.deliberation.limits import (
    SUBMISSION_RATE,
    RateRule,
    check_rate,
    checked_limit,
    reached,
)
from facilitation.deliberation.states import ArgumentState, HideReason, ModerationMode
from facilitation.deliberation.text import checked_text
from facilitation.errors import N_, Refused
from facilitation.steps import Step, StepKind

ARGUMENT_MAX = 500

# Withdrawn arguments give their slot back, so fixing a typo by withdrawing and sending
# again costs nothing; hidden and merged ones were sent and still count.
COUNTS_TOWARD_LIMITS = frozenset(
    {ArgumentState.PENDING, ArgumentState.APPROVED, ArgumentState.HIDDEN, ArgumentState.MERGED}
)


class Stance(StrEnum):
    FOR = "for"
    AGAINST = "against"
    OTHER = "other"


@dataclass(frozen=True)
class Argument:
    """An argument as stored.

    `moderated` turns true the first time a facilitator approves, hides, restores,
    edits or merges it, and never turns back: from then on the author can no longer
    change it. A merge target collects the tables and submissions of what was merged
    into it in `merged_tables` and `merged_submissions`; see `tables` and `submissions`.
    """

    id: int
    table_id: int
    author_id: int
    proposal_id: int | None
    stance: Stance
    text: str
    submitted_at: datetime
    state: ArgumentState = ArgumentState.PENDING
    moderated: bool = False
    edited: bool = False
    hidden_reason: HideReason | None = None
    hidden_note: str = ""
    merged_into: int | None = None
    merged_tables: frozenset[int] = field(default_factory=frozenset)
    merged_submissions: int = 0

    @property
    def tables(self) -> frozenset[int]:
        """Every table that raised this point: the author's and those merged into it."""
        return self.merged_tables | {self.table_id}

    @property
    def submissions(self) -> int:
        """How many arguments this one stands for, itself included."""
        return 1 + self.merged_submissions


@dataclass(frozen=True)
class NewArgument:
    """A checked submission, ready to be stored; the store gives it its id."""

    table_id: int
    author_id: int
    proposal_id: int | None
    stance: Stance
    text: str
    submitted_at: datetime
    state: ArgumentState

    def stored_as(self, argument_id: int) -> Argument:
        return Argument(
            id=argument_id,
            table_id=self.table_id,
            author_id=self.author_id,
            proposal_id=self.proposal_id,
            stance=self.stance,
            text=self.text,
            submitted_at=self.submitted_at,
            state=self.state,
        )


@dataclass(frozen=True)
class DiscussionRules:
    """What a discussion step allows, read from the step's settings.

    `proposals` is the ids of the proposals the step discusses, in their order; empty
    for an open-ended discussion. A limit of None means no limit.
    """

    proposals: tuple[int, ...] = ()
    per_participant: int | None = None
    per_table: int | None = None
    rate: RateRule = SUBMISSION_RATE

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> DiscussionRules:
        proposals = settings.get("proposals") or ()
        if not isinstance(proposals, list | tuple) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in proposals
        ):
            raise ValueError("step settings: proposals must be a list of ids")
        return cls(
            proposals=tuple(proposals),
            per_participant=checked_limit(settings.get("arguments_per_participant")),
            per_table=checked_limit(settings.get("arguments_per_table")),
        )

    def to_settings(self) -> dict[str, Any]:
        return {
            "proposals": list(self.proposals),
            "arguments_per_participant": self.per_participant,
            "arguments_per_table": self.per_table,
        }


@dataclass(frozen=True)
class SentSoFar:
    """What has been sent in this step, counted over `COUNTS_TOWARD_LIMITS` states.

    `recent` is the send times of the participant's latest submissions, for the rate
    rule; the last few minutes are enough.
    """

    by_participant: int = 0
    by_table: int = 0
    recent: Sequence[datetime] = ()


def discussion_rules(step: Step) -> DiscussionRules:
    """The rules of the open step, refusing arguments outside a discussion step."""
    if step.kind is not StepKind.DISCUSSION:
        raise Refused(N_("Arguments can only be sent during a table discussion."))
    return DiscussionRules.from_settings(step.settings)


def parse_stance(value: str | Stance) -> Stance:
    try:
        return Stance(value)
    except ValueError:
        raise Refused(
            N_("Choose whether the argument is for, against or another consideration.")
        ) from None


def parse_proposal(rules: DiscussionRules, value: str | int | None) -> int | None:
    """The proposal id as a form sends it: blank for none."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            value = None
        elif value.isascii() and value.isdigit():
            value = int(value)
        else:
            raise Refused(N_("There is no such proposal in this step."))
    if not rules.proposals:
        if value is not None:
            raise Refused(N_("This discussion is open-ended; it has no proposals to choose."))
        return None
    if value is None:
        raise Refused(N_("Choose the proposal the argument is about."))
    if isinstance(value, bool) or value not in rules.proposals:
        raise Refused(N_("There is no such proposal in this step."))
    return value


def checked_argument_text(text: str) -> str:
    return checked_text(
        text,
        ARGUMENT_MAX,
        empty=N_("Write the argument before sending it."),
        too_long=N_(
            "An argument can be at most %(max)s characters; this one is %(over)s too long."
        ),
    )


def check_argument_limits(rules: DiscussionRules, sent: SentSoFar) -> None:
    if reached(rules.per_participant, sent.by_participant):
        raise Refused(
            N_("You have sent %(limit)s arguments, which is as many as this step allows."),
            limit=rules.per_participant,
        )
    if reached(rules.per_table, sent.by_table):
        raise Refused(
            N_("Your table has sent %(limit)s arguments, which is as many as this step allows."),
            limit=rules.per_table,
        )


def submit_argument(
    rules: DiscussionRules,
    mode: ModerationMode,
    *,
    table_id: int | None,
    author_id: int,
    proposal: str | int | None,
    stance: str | Stance,
    text: str,
    sent: SentSoFar,
    now: datetime,
) -> NewArgument:
    """Check a submission from a participant's phone and give it its first state.

    Limits are checked before the text, so nobody polishes an argument that could not
    be sent anyway. Under post-moderation the argument is approved at once, but not
    `moderated`: its author may still change it until a facilitator acts.
    """
    if table_id is None:
        raise Refused(N_("Sit down at a table before sending arguments."))
    check_argument_limits(rules, sent)
    check_rate(rules.rate, sent.recent, now)
    proposal_id = parse_proposal(rules, proposal)
    clean_stance = parse_stance(stance)
    clean_text = checked_argument_text(text)
    first_state = ArgumentState.PENDING if mode is ModerationMode.PRE else ArgumentState.APPROVED
    return NewArgument(
        table_id=table_id,
        author_id=author_id,
        proposal_id=proposal_id,
        stance=clean_stance,
        text=clean_text,
        submitted_at=now,
        state=first_state,
    )
