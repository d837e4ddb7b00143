"""Where each person in the pool stands after the draw, and which draw comes next.

A drawn person moves selected → confirmed or withdrawn. Selected and confirmed
people hold a seat; withdrawing frees it for a replacement draw, which keeps the
targets for the whole panel (see `replacement.py`). Mistakes can be undone: a
confirmation can go back to selected, and a withdrawal too while the seat is still
free. The first draw fills the panel; every later one is a replacement draw.

When the panel has been split into participants and a control group, replacements
are split as well, so that the control group keeps its share of the panel and both
arms stay alike on the strata (`replacement_arms`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from facilitation.errors import N_, Refused
from facilitation.recruitment.split import split_arms


class Status(StrEnum):
    POOL = "pool"
    SELECTED = "selected"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


class Arm(StrEnum):
    PARTICIPANT = "participant"
    CONTROL = "control"


HOLDS_A_SEAT = frozenset({Status.SELECTED, Status.CONFIRMED})
_ALLOWED = {
    (Status.SELECTED, Status.CONFIRMED),
    (Status.SELECTED, Status.WITHDRAWN),
    (Status.CONFIRMED, Status.WITHDRAWN),
    (Status.CONFIRMED, Status.SELECTED),
    (Status.WITHDRAWN, Status.SELECTED),
}


def parse_status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise Refused(N_("Unknown status.")) from None


def check_status_change(current: Status, wanted: Status, *, free_seats: int) -> Status:
    """The new status, or a refusal saying why the change is not possible.

    `free_seats` is the panel size minus the people who hold a seat now.
    """
    if current == Status.POOL:
        raise Refused(N_("This person was not drawn for the panel."))
    if current == wanted:
        raise Refused(N_("Nothing changed: the person already has this status."))
    if (current, wanted) not in _ALLOWED:
        raise Refused(N_("This change of status is not possible."))
    if current == Status.WITHDRAWN and free_seats <= 0:
        raise Refused(
            N_(
                "Their seat has been filled by a replacement, so they cannot be given it back. "
                "Withdraw someone else first."
            )
        )
    return wanted


DrawKind = Literal["draw", "replacement"]


def next_draw(statuses: Iterable[Status], panel_size: int) -> tuple[DrawKind, int]:
    """The kind of the next counted draw and how many seats it fills.

    Nobody drawn yet: the first draw, for the whole panel. Otherwise a replacement
    draw for the seats freed by withdrawals, refused when there are none.
    """
    seen = list(statuses)
    if all(status == Status.POOL for status in seen):
        return "draw", panel_size
    holding = sum(1 for status in seen if status in HOLDS_A_SEAT)
    free = panel_size - holding
    if free <= 0:
        raise Refused(
            N_("Every seat of the panel is taken. Withdraw people before a replacement draw.")
        )
    return "replacement", free


def replacement_arms(
    newcomers: Mapping[str, Mapping[str, str]],
    strata: Sequence[str],
    *,
    control_share: Fraction,
    holding: int,
    holding_controls: int,
    seed: int,
) -> dict[str, Arm]:
    """The arm of each replacement: as many controls as keep the control group's share.

    `holding` people already hold a seat, `holding_controls` of them in the control
    group. After the replacements join, the control group should be `control_share`
    of the panel (rounded down), never losing a control it has; the newcomers who make
    that up are chosen by the same stratified split as the first one.
    """
    count = len(newcomers)
    if count == 0:
        return {}
    wanted = math.floor(control_share * (holding + count)) - holding_controls
    controls = min(count, max(0, wanted))
    if controls == 0:
        return dict.fromkeys(newcomers, Arm.PARTICIPANT)
    if controls == count:
        return dict.fromkeys(newcomers, Arm.CONTROL)
    split = split_arms(newcomers, strata, seed=seed, control_share=Fraction(controls, count))
    arms = dict.fromkeys(split.participants, Arm.PARTICIPANT)
    arms.update(dict.fromkeys(split.control, Arm.CONTROL))
    return arms
