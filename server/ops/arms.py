"""Treatment and control: the stratified split and the balance it shows."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recruitment.balance import Difference
from facilitation.recruitment.lifecycle import (
    HOLDS_A_SEAT,
    Arm,
    Status,
)
from facilitation.recruitment.split import split_arms
from server.db.models import Invite
from server.db.models_recruitment import (
    ArmSplit,
    Recruit,
)
from server.db.rows import recruitment_of, recruits_of
from server.db.types import utcnow
from server.ops.events import Actor
from server.ops.recruitment import AUDIENCES, TOPICS, refuse_while_drawing, whole_number
from server.ops.unit import Units


def difference_json(row: Difference) -> dict[str, Any]:
    finite = row.smd not in (float("inf"), float("-inf"))
    return {
        "feature": row.feature,
        "value": row.value,
        "participants": row.share_a,
        "control": row.share_b,
        "smd": row.smd if finite else None,
    }


async def split(
    units: Units,
    panel_id: int,
    actor: Actor,
    strata: Sequence[str],
    control_percent_text: str,
    scope: str,
    seed_text: str,
) -> ArmSplit:
    """Split the panel (or, in deliberative-poll mode, the whole pool) into two arms.

    Blocked on `strata`, so both arms look alike; can be redone with another seed until
    invite codes have been issued.
    """
    if scope not in ("panel", "pool"):
        raise Refused(N_("Choose whom to split: the drawn panel or the whole pool."))
    percent = whole_number(
        control_percent_text or "50",
        low=1,
        high=99,
        message=N_(
            "The control group's share must be a whole percentage from %(low)s to %(high)s."
        ),
    )
    seed = (
        whole_number(
            seed_text,
            low=1,
            high=2**63 - 1,
            message=N_("The seed must be a whole number from %(low)s to %(high)s."),
        )
        if seed_text.strip()
        else secrets.randbelow(2**63 - 1) + 1
    )
    async with units.panel(panel_id) as unit:
        await refuse_while_drawing(unit.session, panel_id)
        recruitment = await recruitment_of(unit.session, panel_id)
        if recruitment is None:
            raise Refused(N_("Upload the targets and the pool first."))
        if await unit.session.scalar(select(Invite.id).where(Invite.panel_id == panel_id).limit(1)):
            raise Refused(
                N_("Invite codes have been issued, so the groups can no longer be split again.")
            )
        features = [feature for feature, _ in recruitment.targets]
        chosen = [f for f in features if f in strata]
        if not chosen:
            raise Refused(N_("Choose at least one feature to keep the groups alike on."))
        recruits = await recruits_of(unit.session, panel_id)
        if scope == "panel":
            people = [r for r in recruits if Status(r.status) in HOLDS_A_SEAT]
            if not people:
                raise Refused(N_("Nobody has been drawn yet. Draw the panel first."))
        else:
            if any(r.status != Status.POOL.value for r in recruits):
                raise Refused(
                    N_(
                        "The panel has been drawn, so only the drawn panel can be split, "
                        "not the whole pool."
                    )
                )
            people = list(recruits)
            if not people:
                raise Refused(N_("Upload the pool first."))
        if len(people) < 2:
            raise Refused(N_("At least two people are needed to split into two groups."))
        result = split_arms(
            {str(r.id): {f: r.features[f] for f in chosen} for r in people},
            chosen,
            seed=seed,
            control_share=Fraction(percent, 100),
        )
        controls = set(result.control)
        await unit.session.execute(
            update(Recruit).where(Recruit.panel_id == panel_id).values(arm=None)
        )
        for recruit in people:
            recruit.arm = (Arm.CONTROL if str(recruit.id) in controls else Arm.PARTICIPANT).value
            if scope == "pool":
                recruit.status = Status.SELECTED.value
                recruit.status_at = utcnow()
        if scope == "pool":
            recruitment.version += 1
        row = ArmSplit(
            panel_id=panel_id,
            scope=scope,
            seed=seed,
            strata=chosen,
            control_share=str(Fraction(percent, 100)),
            participants=len(result.participants),
            controls=len(result.control),
            balance=[difference_json(d) for d in result.balance],
            created_at=utcnow(),
            created_by=actor.id,
        )
        unit.session.add(row)
        await unit.record(
            actor,
            "recruitment.split",
            {
                "scope": scope,
                "seed": seed,
                "strata": chosen,
                "participants": len(result.participants),
                "controls": len(result.control),
            },
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    return row


async def latest_split(session: AsyncSession, panel_id: int) -> ArmSplit | None:
    return await session.scalar(
        select(ArmSplit).where(ArmSplit.panel_id == panel_id).order_by(ArmSplit.id.desc()).limit(1)
    )
