"""Rows that commands and reads both look up, and the domain values made of them.

Commands (`server/ops/`) and the read side (`server/read/`) never import each other;
what both need to find in the database lives here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.agenda import Agenda, PanelStatus
from facilitation.opinion.privacy import DEFAULT_MIN_GROUP
from facilitation.recruitment.pool import Registrant
from facilitation.recruitment.targets import PopulationShares, Target
from facilitation.survey import SurveyItem, Wave, item_from_dict
from server.db.models import Panel, Participant, Proposal, Step
from server.db.models_recruitment import Recruit, Recruitment


class NotFound(LookupError):
    """No such panel (or not one the caller may know about)."""


async def steps_of(session: AsyncSession, panel_id: int) -> list[Step]:
    rows = await session.scalars(
        select(Step).where(Step.panel_id == panel_id).order_by(Step.position, Step.id)
    )
    return list(rows)


def agenda_of(panel: Panel, steps: list[Step]) -> Agenda:
    ids = [step.id for step in steps]
    current = ids.index(panel.current_step_id) if panel.current_step_id in ids else None
    resume = ids.index(panel.resume_step_id) if panel.resume_step_id in ids else None
    status = PanelStatus(panel.status)
    if status is PanelStatus.RUNNING and current is None:
        # The open step was deleted under us: treat the panel as waiting in the lobby.
        status = PanelStatus.LOBBY
    return Agenda(status=status, step_count=len(steps), current=current, resume_at=resume)


async def surveys_of(
    session: AsyncSession, panel_id: int
) -> list[tuple[Step, Wave, list[SurveyItem]]]:
    """A panel's survey steps in agenda order, each with its wave ("T1" before the
    discussion, "T2" after) and its items, as kept in the step's settings."""
    rows = await session.scalars(
        select(Step).where(Step.panel_id == panel_id, Step.kind == "survey").order_by(Step.position)
    )
    return [
        (
            step,
            Wave(step.settings.get("wave", "T1")),
            [item_from_dict(raw) for raw in step.settings.get("items", [])],
        )
        for step in rows
    ]


def items_by_wave(
    surveys: list[tuple[Step, Wave, list[SurveyItem]]],
) -> dict[Wave, list[SurveyItem]]:
    """The items asked before and after the discussion, in agenda order."""
    items: dict[Wave, list[SurveyItem]] = {Wave.BEFORE: [], Wave.AFTER: []}
    for _step, wave, asked in surveys:
        items[wave] += asked
    return items


def respondent_of(participant: Participant) -> str:
    """Whose answers these are: `i:<invite id>` for someone with a personal code (their
    answers at home and at the event are one person's), else `p:<participant id>`."""
    return f"i:{participant.invite_id}" if participant.invite_id else f"p:{participant.id}"


async def proposals_of(session: AsyncSession, panel_id: int) -> list[Proposal]:
    rows = await session.scalars(
        select(Proposal).where(Proposal.panel_id == panel_id).order_by(Proposal.position)
    )
    return list(rows)


# -- recruitment ------------------------------------------------------------------


def targets_of(recruitment: Recruitment) -> dict[str, dict[str, Target]]:
    """The stored targets, in the organiser's order."""
    return {
        feature: {
            value: Target(low, high, low_flex, high_flex)
            for value, low, high, low_flex, high_flex in values
        }
        for feature, values in recruitment.targets
    }


def shares_of(recruitment: Recruitment) -> PopulationShares | None:
    if recruitment.shares is None:
        return None
    return {
        feature: {value: Fraction(share) for value, share in values}
        for feature, values in recruitment.shares
    }


async def recruitment_of(session: AsyncSession, panel_id: int) -> Recruitment | None:
    return await session.get(Recruitment, panel_id)


async def recruits_of(session: AsyncSession, panel_id: int) -> list[Recruit]:
    return list(
        await session.scalars(
            select(Recruit).where(Recruit.panel_id == panel_id).order_by(Recruit.external_id)
        )
    )


def registrant_of(recruit: Recruit, features: Sequence[str]) -> Registrant:
    return Registrant(
        recruit.external_id, {f: recruit.features[f] for f in features}, recruit.household
    )


OPINION_DEFAULTS: dict[str, object] = {
    "show": False,
    "min_group": DEFAULT_MIN_GROUP,
    "phones": False,
}


def opinion_settings(step: Step | None) -> dict[str, object]:
    """What the panel chose for a discussion's opinion groups: shown on the display, the
    smallest group shown on its own, whether phones see their own group."""
    settings = dict(OPINION_DEFAULTS)
    if step is not None:
        settings.update(step.settings.get("opinion") or {})
    return settings
