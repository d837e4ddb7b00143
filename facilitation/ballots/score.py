"""Agreement scores: each voter answers 1–5 (a Likert scale) on every proposal.

1 is "strongly disagree" and 5 "strongly agree"; 4 and 5 count as agreeing. Raw form:
one field per proposal, `{"score:a": "4", "score:b": "2"}`. A blank or missing answer
skips that proposal, which is always allowed (a "don't know" button can send a blank):
a panel wants to know how settled each proposal is, and a forced answer hides that.
Skipping every proposal is an empty ballot: an abstention where the vote allows
abstaining, refused otherwise.

A proposal is adopted when at least `adopt_percent` per cent of those who answered it
agree. The share is compared exactly, in whole numbers, so 4 of 5 is exactly 80 per
cent and adopts at 80; a proposal nobody answered is not adopted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from facilitation.ballots.common import (
    Raw,
    abstain_requested,
    check_ballot_options,
    check_options,
    read_whole_number,
    refuse_unknown,
    settle_abstention,
    single_value,
    stored_counts,
    stored_int,
    stored_str,
    stored_strs,
    suffixes,
)
from facilitation.ballots.totals import RECORD_FORMAT
from facilitation.errors import N_, Refused

SCORE_PREFIX = "score"
SCALE = (1, 2, 3, 4, 5)
AGREEING = (4, 5)

AGREEMENT_TIE_BREAK = N_(
    "Proposals are listed by their share agreeing; proposals with the same share are listed "
    "in the order of the ballot, and proposals nobody answered come last."
)


@dataclass(frozen=True)
class Agreement:
    """Answer 1–5 per proposal; adopted when at least `adopt_percent` per cent agree."""

    method: ClassVar[str] = "agreement"
    adopt_percent: int = 80
    allow_abstain: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.adopt_percent <= 100:
            raise Refused(
                N_("The share needed to adopt a proposal must be from 1 to 100 per cent.")
            )


@dataclass(frozen=True)
class AgreementBallot:
    """The answer per proposal, only for proposals answered, sorted by proposal id.

    Pairs rather than a dict keep the ballot hashable and equal to its stored JSON.
    """

    kind: ClassVar[str] = "agreement"
    answers: tuple[tuple[str, int], ...]

    @property
    def abstained(self) -> bool:
        return not self.answers

    def answer(self, option: str) -> int | None:
        return dict(self.answers).get(option)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "answers": dict(self.answers)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgreementBallot:
        answers = stored_counts(data["answers"], "answers")
        if any(value not in SCALE for value in answers.values()):
            raise ValueError("stored answers must be from 1 to 5")
        return cls(tuple(sorted(answers.items())))


@dataclass(frozen=True)
class ProposalAgreement:
    """How one proposal was answered: `distribution[k]` people answered k + 1."""

    option: str
    distribution: tuple[int, ...]
    skipped: int
    adopt_percent: int

    @property
    def answered(self) -> int:
        return sum(self.distribution)

    @property
    def agreeing(self) -> int:
        return sum(self.distribution[value - 1] for value in AGREEING)

    @property
    def mean(self) -> float | None:
        if not self.answered:
            return None
        total = sum(value * count for value, count in zip(SCALE, self.distribution, strict=True))
        return total / self.answered

    @property
    def median(self) -> float | None:
        """The middle answer; with an even number, halfway between the two middle ones."""
        n = self.answered
        if not n:
            return None
        return (self._nth(n // 2) + self._nth((n - 1) // 2)) / 2

    @property
    def share_agreeing(self) -> float | None:
        """Agreeing (4 or 5) out of those who answered, from 0 to 1."""
        return self.agreeing / self.answered if self.answered else None

    @property
    def adopted(self) -> bool:
        return self.answered > 0 and self.agreeing * 100 >= self.adopt_percent * self.answered

    def _nth(self, k: int) -> int:
        """The k-th smallest answer, counting from 0."""
        seen = 0
        for value, count in zip(SCALE, self.distribution, strict=True):
            seen += count
            if k < seen:
                return value
        raise IndexError(k)

    def to_dict(self) -> dict[str, Any]:
        return {
            "distribution": list(self.distribution),
            "answered": self.answered,
            "skipped": self.skipped,
            "mean": self.mean,
            "median": self.median,
            "agreeing": self.agreeing,
            "share_agreeing": self.share_agreeing,
            "adopted": self.adopted,
        }


@dataclass(frozen=True)
class AgreementResult:
    """Agreement with each proposal over `ballots` ballots, `abstentions` of them empty."""

    method: ClassVar[str] = "agreement"
    options: tuple[str, ...]
    proposals: tuple[ProposalAgreement, ...]
    ballots: int
    abstentions: int
    adopt_percent: int
    tie_break: str = AGREEMENT_TIE_BREAK

    def proposal(self, option: str) -> ProposalAgreement:
        return self.proposals[self.options.index(option)]

    @property
    def adopted(self) -> tuple[str, ...]:
        """The adopted proposals, in ballot order."""
        return tuple(p.option for p in self.proposals if p.adopted)

    @property
    def order(self) -> tuple[str, ...]:
        """Proposals by share agreeing, compared exactly; see the tie-break rule."""

        def key(p: ProposalAgreement) -> tuple[int, Fraction]:
            if not p.answered:
                return (1, Fraction(0))
            return (0, -Fraction(p.agreeing, p.answered))

        return tuple(p.option for p in sorted(self.proposals, key=key))

    def to_dict(self) -> dict[str, Any]:
        """The record to freeze: the distributions, plus every figure for display."""
        return {
            "format": RECORD_FORMAT,
            "method": self.method,
            "options": list(self.options),
            "ballots": self.ballots,
            "abstentions": self.abstentions,
            "adopt_percent": self.adopt_percent,
            "scale": list(SCALE),
            "proposals": {p.option: p.to_dict() for p in self.proposals},
            "order": list(self.order),
            "adopted": list(self.adopted),
            "tie_break": self.tie_break,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgreementResult:
        """Rebuild from a record; every figure is worked out again from the distributions."""
        options = stored_strs(data["options"], "options")
        adopt_percent = stored_int(data, "adopt_percent")
        stored = data["proposals"]
        if not isinstance(stored, Mapping) or set(stored) != set(options):
            raise ValueError("stored proposals must have one entry per option")
        proposals = []
        for option in options:
            entry = stored[option]
            proposals.append(
                ProposalAgreement(
                    option,
                    _stored_distribution(entry["distribution"]),
                    stored_int(entry, "skipped"),
                    adopt_percent,
                )
            )
        return cls(
            options=options,
            proposals=tuple(proposals),
            ballots=stored_int(data, "ballots"),
            abstentions=stored_int(data, "abstentions"),
            adopt_percent=adopt_percent,
            tie_break=stored_str(data, "tie_break"),
        )


def _stored_distribution(value: Any) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or len(value) != len(SCALE)
        or not all(isinstance(count, int) and not isinstance(count, bool) for count in value)
    ):
        raise ValueError("a stored distribution must hold one count per answer from 1 to 5")
    return tuple(value)


def parse(config: Agreement, options: Sequence[str], raw: Raw) -> AgreementBallot:
    """Read an agreement ballot from the form, or refuse it with the reason."""
    checked = check_options(options)
    refuse_unknown(suffixes(raw, SCORE_PREFIX), checked)
    answers: list[tuple[str, int]] = []
    for option in checked:
        text = single_value(
            raw,
            f"{SCORE_PREFIX}:{option}",
            N_("Give only one answer for %(option)s."),
            option=option,
        )
        if not text:
            continue
        value = read_whole_number(text)
        if value is None:
            raise Refused(
                N_("Answer %(option)s with one of the numbers 1, 2, 3, 4 or 5."), option=option
            )
        if value not in SCALE:
            raise Refused(
                N_("The answer for %(option)s must be from 1 to 5, not %(value)s."),
                option=option,
                value=value,
            )
        answers.append((option, value))
    abstained = settle_abstention(
        allowed=config.allow_abstain,
        requested=abstain_requested(raw),
        expressed=bool(answers),
        empty_counts=True,
        empty_message=N_("Answer at least one of the proposals."),
    )
    return AgreementBallot(() if abstained else tuple(sorted(answers)))


def tally(
    config: Agreement, options: Sequence[str], ballots: Sequence[AgreementBallot]
) -> AgreementResult:
    """Count the answers to each proposal and apply the adoption rule."""
    checked = check_options(options)
    distributions = {option: [0] * len(SCALE) for option in checked}
    abstentions = 0
    for ballot in ballots:
        if ballot.abstained:
            abstentions += 1
        check_ballot_options((option for option, _ in ballot.answers), checked)
        for option, value in ballot.answers:
            if value not in SCALE:
                raise ValueError(f"a ballot answers {option!r} with {value!r}, not 1 to 5")
            distributions[option][value - 1] += 1
    proposals = tuple(
        ProposalAgreement(
            option,
            tuple(distributions[option]),
            len(ballots) - sum(distributions[option]),
            config.adopt_percent,
        )
        for option in checked
    )
    return AgreementResult(
        options=checked,
        proposals=proposals,
        ballots=len(ballots),
        abstentions=abstentions,
        adopt_percent=config.adopt_percent,
    )
