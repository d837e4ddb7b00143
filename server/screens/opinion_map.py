"""The opinion map as something to draw: anonymous dots, coloured by group.

Positions are scaled into SVG user units here, so the template only places circles.
No dot carries an id, a number or a title, and the dots are ordered by position (not
by participant), so nothing in the picture leads back to a person. Members of a group
too small to be shown, and people not yet in any group, share one neutral colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitation.opinion.groups import OpinionGroups

WIDTH = 960
HEIGHT = 600
MARGIN = 24
NEUTRAL = "none"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    group: str  # a shown group's letter, or NEUTRAL


@dataclass(frozen=True)
class OpinionMap:
    dots: list[Dot]
    width: int = WIDTH
    height: int = HEIGHT


def opinion_map(result: OpinionGroups, shown: list[str]) -> OpinionMap:
    points = result.points
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    usable_w, usable_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    dots = [
        Dot(
            x=round(MARGIN + (p.x - min(xs)) / span_x * usable_w, 1),
            y=round(MARGIN + (max(ys) - p.y) / span_y * usable_h, 1),
            group=p.group if p.group in shown else NEUTRAL,
        )
        for p in points
    ]
    # Neutral dots first, so the groups are drawn on top; then by position.
    dots.sort(key=lambda d: (d.group != NEUTRAL, d.group, d.x, d.y))
    return OpinionMap(dots)
