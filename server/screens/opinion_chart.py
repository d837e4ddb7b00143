"""Opinion change as something to draw: before/after distributions and a dumbbell.

The geometry is worked out here, in SVG user units, so the template only places
shapes; the same chart serves the projector, the phones and the printed report
(`templates/partials/opinion_chart.html`). Colours come from CSS classes, so a dark
projector and white paper each style it their own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from facilitation.survey import SurveyItem

# The statistics are imported where a chart is drawn: a server starting up for a room
# of phones does not need them (tests/test_startup.py).
if TYPE_CHECKING:
    from facilitation.analysis import OpinionItemResult, Unavailable, WaveSummary
    from facilitation.analysis.paired import PairedChange

WIDTH = 640
PLOT_TOP = 28
PLOT_HEIGHT = 160
LEFT = 8
BAR_GAP = 0.12  # of a point's slot, either side of its pair of bars


@dataclass(frozen=True)
class Column:
    point: int
    x: float  # the slot's left edge
    slot: float
    before: float | None  # per cent of those who gave a point
    after: float | None
    before_height: float
    after_height: float
    neutral: bool


@dataclass(frozen=True)
class Wave:
    answered: int
    mean: float | None
    neutral: int
    dont_know: int
    prefer_not: int
    taking_side: int
    low_share: float | None  # per cent of those who took a side
    high_share: float | None


@dataclass(frozen=True)
class OpinionChart:
    key: str
    question: str
    low_label: str
    high_label: str
    low: int
    high: int
    columns: tuple[Column, ...]
    before: Wave | None
    after: Wave | None
    before_x: float | None  # where each wave's mean sits on the dumbbell's axis
    after_x: float | None
    change: PairedChange | None
    why_no_change: Unavailable | None
    width: int = WIDTH
    plot_top: int = PLOT_TOP
    plot_height: int = PLOT_HEIGHT

    @property
    def axis_y(self) -> int:
        return self.plot_top + self.plot_height


def opinion_chart(item: SurveyItem, result: OpinionItemResult) -> OpinionChart:
    # Loaded already: the result was computed by them.
    from facilitation.analysis import Unavailable, WaveSummary
    from facilitation.analysis.paired import PairedChange

    before = result.before if isinstance(result.before, WaveSummary) else None
    after = result.after if isinstance(result.after, WaveSummary) else None
    scale = item.scale
    assert scale is not None, "only rating-scale items have an opinion chart"
    shares_before = _shares(before)
    shares_after = _shares(after)
    tallest = max([*shares_before.values(), *shares_after.values(), 1.0])
    slot = (WIDTH - 2 * LEFT) / len(scale.points)
    columns = tuple(
        Column(
            point=point,
            x=LEFT + n * slot,
            slot=slot,
            before=shares_before.get(point),
            after=shares_after.get(point),
            before_height=PLOT_HEIGHT * shares_before.get(point, 0.0) / tallest,
            after_height=PLOT_HEIGHT * shares_after.get(point, 0.0) / tallest,
            neutral=point == scale.neutral,
        )
        for n, point in enumerate(scale.points)
    )
    change = result.change if isinstance(result.change, PairedChange) else None
    return OpinionChart(
        key=result.key,
        question=item.question,
        low_label=item.low_label,
        high_label=item.high_label,
        low=scale.low,
        high=scale.high,
        columns=columns,
        before=_wave(before),
        after=_wave(after),
        before_x=_x_of(before.mean, scale.low, scale.high) if before else None,
        after_x=_x_of(after.mean, scale.low, scale.high) if after else None,
        change=change,
        why_no_change=result.change if isinstance(result.change, Unavailable) else None,
    )


def _shares(summary: WaveSummary | None) -> dict[int, float]:
    if summary is None or not summary.answered:
        return {}
    return {
        summary.low + n: 100 * count / summary.answered for n, count in enumerate(summary.counts)
    }


def _wave(summary: WaveSummary | None) -> Wave | None:
    if summary is None:
        return None
    from facilitation.analysis import Unavailable

    majority = summary.majority
    side = majority if not isinstance(majority, Unavailable) else None
    return Wave(
        answered=summary.answered,
        mean=summary.mean,
        neutral=summary.neutral,
        dont_know=summary.dont_know,
        prefer_not=summary.prefer_not,
        taking_side=(side.low + side.high) if side else 0,
        low_share=100 * side.low_share if side else None,
        high_share=100 * side.high_share if side else None,
    )


def _x_of(value: float | None, low: int, high: int) -> float | None:
    """A value's place on the axis: the middle of its point's slot, as the bars above."""
    if value is None:
        return None
    slot = (WIDTH - 2 * LEFT) / (high - low + 1)
    return LEFT + (value - low + 0.5) * slot
