"""How representative the pool, the drawn panel and the people present today are.

One set of numbers for the organiser's recruitment page, the facilitators' live view
and the council report: per feature value, the population's share, the pool's, the
selected panel's (the participants; the control group does not come) and that of the
people who joined today with a personal invite code, each with its gap from the
population in percentage points. Only category values are read, never contacts.

When the organiser gave targets rather than population shares, the population's
share is taken as the middle of each value's target range (and says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.recruitment.lifecycle import HOLDS_A_SEAT, Arm, Status
from facilitation.recruitment.pool import count_values
from facilitation.recruitment.representation import Representation, representation
from facilitation.recruitment.targets import PopulationShares, normalised_shares
from server.db.models import Invite, Participant
from server.db.models_recruitment import Recruit
from server.db.rows import recruitment_of, shares_of, targets_of

NOTABLE_GAP = 2.0
"""Gaps of this many percentage points or more are marked."""
LARGE_GAP = 5.0
"""Gaps of this many percentage points or more are marked as large."""


@dataclass(frozen=True)
class RepresentationTable:
    rows: tuple[Representation, ...]
    population_from_targets: bool
    pool: int
    selected: int
    present: int
    joined: int

    @property
    def features(self) -> list[str]:
        return list(dict.fromkeys(row.feature for row in self.rows))


def gap_level(gap: float | None) -> str:
    """`large`, `notable` or `small`, for the view's highlighting."""
    if gap is None:
        return "none"
    size = abs(gap)
    if size >= LARGE_GAP:
        return "large"
    if size >= NOTABLE_GAP:
        return "notable"
    return "small"


async def representation_rows(
    session: AsyncSession, panel_id: int
) -> tuple[Representation, ...] | None:
    """One row per feature value (see module doc), or None before targets are uploaded."""
    table = await representation_table(session, panel_id)
    return table.rows if table is not None else None


async def representation_table(session: AsyncSession, panel_id: int) -> RepresentationTable | None:
    """The rows with the head counts behind them, or None before targets are uploaded."""
    recruitment = await recruitment_of(session, panel_id)
    if recruitment is None:
        return None
    targets = targets_of(recruitment)
    features = list(targets)
    population: PopulationShares | None = shares_of(recruitment)
    from_targets = population is None
    if population is None:
        population = normalised_shares(
            {
                feature: {
                    value: Fraction(target.min + target.max, 2) for value, target in values.items()
                }
                for feature, values in targets.items()
            }
        )
    recruits = list(
        (
            await session.execute(
                select(Recruit.id, Recruit.features, Recruit.status, Recruit.arm).where(
                    Recruit.panel_id == panel_id
                )
            )
        ).all()
    )
    pool = [features_ for _, features_, _, _ in recruits]
    selected = [
        features_
        for _, features_, status, arm in recruits
        if Status(status) in HOLDS_A_SEAT and arm != Arm.CONTROL
    ]
    by_id = {recruit_id: features_ for recruit_id, features_, _, _ in recruits}
    present_ids = list(
        await session.scalars(
            select(Invite.recruit_id)
            .join(Participant, Participant.invite_id == Invite.id)
            .where(Participant.panel_id == panel_id, Invite.recruit_id.is_not(None))
        )
    )
    present = [by_id[key] for key in present_ids if key in by_id]
    joined = await session.scalar(select(func.count()).where(Participant.panel_id == panel_id))
    rows = representation(
        population,
        count_values(pool, features),
        count_values(selected, features),
        count_values(present, features),
    )
    return RepresentationTable(
        rows, from_targets, len(pool), len(selected), len(present), int(joined or 0)
    )
