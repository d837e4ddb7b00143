"""Results as something to draw: bars, ranks, agreement gauges, for any ballot method."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from facilitation.ballots import AgreementResult, Result, SchulzeResult, Totals


@dataclass(frozen=True)
class Bar:
    option: str
    label: str
    value: int
    width: float  # per cent of the longest bar
    rank: int
    winner: bool
    shared: bool = False  # the place is shared: "2=" (a tie, or Schulze undecided)

    @property
    def place(self) -> str:
        return f"{self.rank}=" if self.shared else str(self.rank)


@dataclass(frozen=True)
class AgreementRow:
    option: str
    label: str
    shares: tuple[float, ...]  # per cent answering 1..5
    answered: int
    mean: float | None
    median: float | None
    agreeing: float | None  # per cent
    threshold: int
    adopted: bool


@dataclass(frozen=True)
class Chart:
    method: str
    ballots: int
    abstentions: int
    tie_break: str
    bars: tuple[Bar, ...] = ()
    rows: tuple[AgreementRow, ...] = ()
    winners: tuple[str, ...] = ()
    matrix: tuple[tuple[str, tuple[int | None, ...]], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)


def chart(result: Result, labels: Mapping[str, str]) -> Chart:
    if isinstance(result, AgreementResult):
        return _agreement(result, labels)
    ranks = {option: n for n, tier in enumerate(result.tiers, start=1) for option in tier}
    shared = {option for tier in result.tiers if len(tier) > 1 for option in tier}
    winners = tuple(labels.get(o, o) for o in result.winners)
    if isinstance(result, SchulzeResult):
        # How many others each option beats on the strongest paths: the bar of a ranking.
        beaten = {
            a: sum(result.beats(a, b) for b in result.options if b != a) for a in result.options
        }
        top = max(beaten.values(), default=0) or 1
        bars = tuple(
            Bar(
                o,
                labels.get(o, o),
                beaten[o],
                100 * beaten[o] / top,
                ranks[o],
                o in result.winners,
                o in shared,
            )
            for o in result.order
        )
        matrix = tuple(
            (
                labels.get(a, a),
                tuple(None if a == b else result.preferring(a, b) for b in result.order),
            )
            for a in result.order
        )
        return Chart(
            result.method,
            result.ballots,
            result.abstentions,
            result.tie_break,
            bars=bars,
            winners=winners,
            matrix=matrix,
            labels=labels,
        )
    assert isinstance(result, Totals)
    top = max(result.totals.values(), default=0) or 1
    bars = tuple(
        Bar(
            o,
            labels.get(o, o),
            result.totals[o],
            100 * result.totals[o] / top,
            ranks[o],
            o in result.winners,
            o in shared,
        )
        for o in result.order
    )
    return Chart(
        result.method,
        result.ballots,
        result.abstentions,
        result.tie_break,
        bars=bars,
        winners=winners,
        labels=labels,
    )


def _agreement(result: AgreementResult, labels: Mapping[str, str]) -> Chart:
    rows = []
    for proposal in (result.proposal(o) for o in result.order):
        answered = proposal.answered
        shares = tuple(100 * n / answered if answered else 0.0 for n in proposal.distribution)
        share = proposal.share_agreeing
        rows.append(
            AgreementRow(
                proposal.option,
                labels.get(proposal.option, proposal.option),
                shares,
                answered,
                proposal.mean,
                proposal.median,
                None if share is None else 100 * share,
                proposal.adopt_percent,
                proposal.adopted,
            )
        )
    winners = tuple(labels.get(o, o) for o in result.adopted)
    return Chart(
        result.method,
        result.ballots,
        result.abstentions,
        result.tie_break,
        rows=tuple(rows),
        winners=winners,
        labels=labels,
    )
