"""Geometry of the report's charts, drawn as inline SVG by the templates (no script).

Coordinates are in the SVG's own units; the SVG scales to the width of the page, so the
same chart serves the screen and A4 paper. Every chart also has its numbers in a table
next to it, which is what a screen reader or a careful reader uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from facilitation.analysis.opinion import WaveSummary

WIDTH = 560
HEIGHT = 190
LEFT = 40
RIGHT = 8
TOP = 10
BOTTOM = 26
TRACK_WIDTH = 300
TRACK_HEIGHT = 26
TRACK_PAD = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    share: float
    wave: str  # before | after
    point: int


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Distribution:
    """Before and after side by side at each point of the scale, in per cent of answers."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    points: tuple[Tick, ...]
    grid: tuple[Tick, ...]
    baseline: float
    left: int
    right: float


def shares(summary: WaveSummary | None) -> tuple[float, ...] | None:
    """Each point's share of those who answered on the scale; None without answers."""
    if summary is None or not summary.answered:
        return None
    return tuple(count / summary.answered for count in summary.counts)


def distribution(
    before: WaveSummary | None, after: WaveSummary | None, low: int, high: int
) -> Distribution:
    points = list(range(low, high + 1))
    first, second = shares(before), shares(after)
    top = max([*(first or ()), *(second or ()), 0.0])
    interval = 0.05 if top <= 0.2 else 0.1 if top <= 0.5 else 0.2
    steps = max(1, math.ceil(round(top / interval, 6)))
    ceiling = steps * interval
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / len(points)
    bar = slot * 0.36
    bars = []
    for index, point in enumerate(points):
        centre = LEFT + slot * (index + 0.5)
        for wave, values, offset in (("before", first, -bar - 1), ("after", second, 1)):
            if values is None:
                continue
            height = plot_height * values[index] / ceiling
            bars.append(
                Bar(
                    round(centre + offset, 2),
                    round(TOP + plot_height - height, 2),
                    round(bar, 2),
                    round(height, 2),
                    values[index],
                    wave,
                    point,
                )
            )
    grid = tuple(
        Tick(round(TOP + plot_height * (1 - k / steps), 2), f"{round(100 * interval * k)}")
        for k in range(steps + 1)
    )
    ticks = tuple(Tick(round(LEFT + slot * (i + 0.5), 2), str(p)) for i, p in enumerate(points))
    return Distribution(
        WIDTH, HEIGHT, tuple(bars), ticks, grid, TOP + plot_height, LEFT, WIDTH - RIGHT
    )


@dataclass(frozen=True)
class Track:
    """One row of a dumbbell chart: the mean before and after on the scale's line."""

    width: int
    height: int
    start: float
    end: float
    before: float | None
    after: float | None

    @property
    def direction(self) -> str:
        if self.before is None or self.after is None or self.before == self.after:
            return "none"
        return "up" if self.after > self.before else "down"


def position(value: float, low: int, high: int, width: int = TRACK_WIDTH) -> float:
    inner = width - 2 * TRACK_PAD
    return round(TRACK_PAD + inner * (value - low) / (high - low), 2)


def track(mean_before: float | None, mean_after: float | None, low: int, high: int) -> Track:
    return Track(
        TRACK_WIDTH,
        TRACK_HEIGHT,
        position(low, low, high),
        position(high, low, high),
        None if mean_before is None else position(mean_before, low, high),
        None if mean_after is None else position(mean_after, low, high),
    )


def axis(low: int, high: int) -> tuple[Tick, ...]:
    """The scale's points along a dumbbell track (every point on a short scale)."""
    step = 1 if high - low <= 5 else 2 if high - low <= 10 else 5
    return tuple(Tick(position(p, low, high), str(p)) for p in range(low, high + 1, step))
