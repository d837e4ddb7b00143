"""The agenda's steps as the organiser edits them: add, edit, move, delete; their settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.agenda import PanelStatus
from facilitation.deliberation.arguments import DiscussionRules
from facilitation.deliberation.limits import checked_limit
from facilitation.deliberation.questions import QuestionRules
from facilitation.errors import N_, Refused
from facilitation.numbers import parse_whole
from facilitation.steps import checked_step
from facilitation.votes import vote_settings_from_form
from server.db.models import (
    Ballot,
    Step,
)
from server.db.records import step_row
from server.db.rows import proposals_of, steps_of
from server.live import audiences as aud
from server.ops.common import require_not_closed, row_in_panel
from server.ops.events import Actor
from server.ops.unit import Units

EVERYONE = (aud.PHONES, aud.FACILITATORS, aud.DISPLAY)


async def add_step(
    units: Units,
    panel_id: int,
    actor: Actor,
    kind: str,
    title: str,
    body: str,
    timer_minutes: str,
) -> None:
    step = checked_step(kind, title, body, timer_minutes)
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        steps = await steps_of(unit.session, panel_id)
        position = (steps[-1].position + 1) if steps else 0
        unit.session.add(step_row(panel_id, position, step))
        await unit.record(
            actor,
            "step.add",
            {"kind": step.kind.value, "title": step.title},
            topics=("panel",),
            audiences=EVERYONE,
        )


async def edit_step(
    units: Units,
    panel_id: int,
    actor: Actor,
    step_id: int,
    kind: str,
    title: str,
    body: str,
    timer_minutes: str,
) -> None:
    checked = checked_step(kind, title, body, timer_minutes)
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        step = await _step_in(unit.session, panel_id, step_id)
        if step.id == panel.current_step_id and checked.kind.value != step.kind:
            raise Refused(N_("The kind of the open step cannot be changed. Move on first."))
        before = {
            "kind": step.kind,
            "title": step.title,
            "body": step.body,
            "timer_seconds": step.timer_seconds,
        }
        step.kind, step.title, step.body = checked.kind.value, checked.title, checked.body
        step.timer_seconds = checked.timer_seconds
        step.revision += 1
        await unit.record(
            actor,
            "step.edit",
            {"step": step.id, "before": before},
            topics=("panel",),
            audiences=EVERYONE,
        )


async def move_step(
    units: Units, panel_id: int, actor: Actor, step_id: int, direction: str
) -> None:
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        steps = await steps_of(unit.session, panel_id)
        index = next((i for i, s in enumerate(steps) if s.id == step_id), None)
        if index is None:
            raise Refused(N_("There is no such step in this panel."))
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(steps):
            raise Refused(N_("The step cannot move further."))
        steps[index], steps[other] = steps[other], steps[index]
        for position, step in enumerate(steps):
            step.position = position
        await unit.record(
            actor,
            "step.move",
            {"step": step_id, "direction": direction},
            topics=("panel",),
            audiences=EVERYONE,
        )


async def delete_step(units: Units, panel_id: int, actor: Actor, step_id: int) -> None:
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        step = await _step_in(unit.session, panel_id, step_id)
        if step.id == panel.current_step_id:
            raise Refused(N_("The open step cannot be deleted. Move to another step first."))
        if panel.status != PanelStatus.DRAFT and len(await steps_of(unit.session, panel_id)) == 1:
            raise Refused(N_("A live panel needs at least one step."))
        await unit.session.delete(step)
        await unit.record(
            actor,
            "step.delete",
            {"step": step_id, "title": step.title},
            topics=("panel",),
            audiences=EVERYONE,
        )


async def _step_in(session: AsyncSession, panel_id: int, step_id: int) -> Step:
    return await row_in_panel(
        session, Step, step_id, panel_id, N_("There is no such step in this panel.")
    )


async def edit_step_settings(
    units: Units,
    panel_id: int,
    actor: Actor,
    step_id: int,
    proposals: list[str],
    values: dict[str, str],
) -> None:
    """The kind-specific settings of a discussion or questions step, from the setup form."""
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        step = await _step_in(unit.session, panel_id, step_id)
        settings = dict(step.settings)
        if step.kind == "discussion":
            known = {p.id for p in await proposals_of(unit.session, panel_id)}
            chosen = [n for n in map(parse_whole, proposals) if n in known]
            if len(chosen) != len(proposals):
                # Not silently dropped: the organiser would think the step discusses it.
                raise Refused(N_("Choose only proposals of this panel."))
            rules = DiscussionRules(
                proposals=tuple(sorted(chosen)),
                per_participant=checked_limit(values.get("arguments_per_participant")),
                per_table=checked_limit(values.get("arguments_per_table")),
            )
            settings.update(rules.to_settings())
            settings["statement_votes"] = values.get("statement_votes") == "on"
        elif step.kind == "questions":
            rules_q = QuestionRules(
                per_table=checked_limit(values.get("questions_per_table")),
                sent_per_table=checked_limit(values.get("questions_sent_per_table")),
                upvotes=values.get("question_upvotes") == "on",
            )
            settings.update(rules_q.to_settings())
        elif step.kind == "vote":
            if await unit.session.scalar(select(Ballot.id).where(Ballot.step_id == step.id)):
                raise Refused(N_("Ballots have been cast, so this vote can no longer change."))
            in_panel = [p.id for p in await proposals_of(unit.session, panel_id)]
            vote = vote_settings_from_form(values, proposals, in_panel)
            settings["vote"] = vote.to_dict()
            settings["vote_revealed"] = False
        else:
            raise Refused(N_("This kind of step has no settings of its own."))
        step.settings = settings
        step.revision += 1
        await unit.record(
            actor,
            "step.settings",
            {"step": step.id, "settings": settings},
            topics=("panel",),
            audiences=EVERYONE,
        )
