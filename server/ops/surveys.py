"""Surveys: organisers write the questions, participants and invite holders answer them.

Answers are saved as people go (each change of the form), so a survey can be left and
resumed, on the phone at the event or at home through a personal link. Nothing is
required; "don't know" and "prefer not to answer" are always there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.survey import (
    SurveyItem,
    Wave,
    answer_to_dict,
    item_from_dict,
    item_to_dict,
    opinion_pairs,
    parse_answer,
    repeat_after,
    shown_key,
    validate_item,
    validate_survey,
)
from server.db import rows
from server.db.models import Invite, Panel, Participant, Step, SurveyAnswer
from server.db.types import utcnow
from server.db.upsert import upsert
from server.live import audiences as aud
from server.ops.common import require_not_closed, row_in_panel
from server.ops.events import Actor
from server.ops.unit import Units

ITEM_FIELDS = (
    "key",
    "kind",
    "question",
    "some_say",
    "others_say",
    "low_label",
    "high_label",
    "options",
    "correct",
    "max_choices",
    "pairs_with",
)


def items_of(step: Step) -> list[SurveyItem]:
    return [item_from_dict(raw) for raw in step.settings.get("items", [])]


def wave_of(step: Step) -> Wave:
    return Wave(step.settings.get("wave", "T1"))


async def _survey_step(session: AsyncSession, panel_id: int, step_id: int) -> Step:
    step = await session.get(Step, step_id)
    if step is None or step.panel_id != panel_id or step.kind != "survey":
        raise Refused(N_("There is no such survey in this panel."))
    return step


async def _all_items(session: AsyncSession, panel_id: int, but: int) -> list[SurveyItem]:
    """Every item of the panel's other surveys, to check keys and pairs across waves."""
    steps = await session.scalars(
        select(Step).where(Step.panel_id == panel_id, Step.kind == "survey", Step.id != but)
    )
    return [item for step in steps for item in items_of(step)]


async def _answered(session: AsyncSession, step_id: int, key: str) -> bool:
    return bool(
        await session.scalar(
            select(func.count()).where(
                SurveyAnswer.step_id == step_id, SurveyAnswer.item_key == key
            )
        )
    )


async def set_survey(
    units: Units, panel_id: int, actor: Actor, step_id: int, wave: str, at_home: bool
) -> None:
    """Which wave the survey is (before or after) and whether invite holders answer at home."""
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        step = await _survey_step(unit.session, panel_id, step_id)
        if wave not in ("T1", "T2"):
            raise Refused(N_("Choose before or after the discussion."))
        items = items_of(step)
        if wave != step.settings.get("wave", "T1") and await unit.session.scalar(
            select(func.count()).where(SurveyAnswer.step_id == step_id)
        ):
            raise Refused(
                N_(
                    "People have answered this survey already, so it cannot change "
                    "from before to after."
                )
            )
        moved = [validate_item({**item_to_dict(i), "wave": wave}) for i in items]
        validate_survey([*await _all_items(unit.session, panel_id, step_id), *moved])
        step.settings = {
            **step.settings,
            "wave": wave,
            "at_home": at_home,
            "items": [item_to_dict(i) for i in moved],
        }
        step.revision += 1
        await unit.record(
            actor,
            "survey.settings",
            {"step": step_id, "wave": wave, "at_home": at_home},
            topics=("panel",),
            audiences=(aud.PHONES, aud.FACILITATORS),
        )


async def save_item(
    units: Units,
    panel_id: int,
    actor: Actor,
    step_id: int,
    fields: Mapping[str, str],
    original: str | None,
) -> None:
    """Add a question, or change one that nobody has answered yet."""
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        step = await _survey_step(unit.session, panel_id, step_id)
        raw = {name: fields[name] for name in ITEM_FIELDS if str(fields.get(name, "")).strip()}
        raw["wave"] = wave_of(step).value
        item = validate_item(raw)
        items = items_of(step)
        if original is not None:
            index = next((n for n, i in enumerate(items) if i.key == original), None)
            if index is None:
                raise Refused(N_("There is no such question in this survey."))
            if items[index] != item and await _answered(unit.session, step_id, original):
                raise Refused(
                    N_(
                        "People have answered this question already; changing it "
                        "would change what their answers mean. Add a new question "
                        "instead."
                    )
                )
            items[index] = item
        else:
            items.append(item)
        validate_survey([*await _all_items(unit.session, panel_id, step_id), *items])
        step.settings = {**step.settings, "items": [item_to_dict(i) for i in items]}
        step.revision += 1
        await unit.record(
            actor,
            "survey.item",
            {"step": step_id, "item": item_to_dict(item), "replaced": original},
            topics=("panel",),
            audiences=(aud.PHONES, aud.FACILITATORS),
        )


async def repeat_items(
    units: Units, panel_id: int, actor: Actor, step_id: int, keys: Sequence[str]
) -> int:
    """Ask chosen questions from before the discussion again in this after-survey."""
    if not keys:
        raise Refused(N_("Choose the questions to ask again."))
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        step = await _survey_step(unit.session, panel_id, step_id)
        if wave_of(step) is not Wave.AFTER:
            raise Refused(N_("Only a survey after the discussion repeats questions."))
        others = await _all_items(unit.session, panel_id, step_id)
        items = items_of(step)
        copies = repeat_after(others, keys, [i.key for i in [*others, *items]])
        items += copies
        validate_survey([*others, *items])
        step.settings = {**step.settings, "items": [item_to_dict(i) for i in items]}
        step.revision += 1
        await unit.record(
            actor,
            "survey.repeat",
            {"step": step_id, "items": [i.key for i in copies]},
            topics=("panel",),
            audiences=(aud.PHONES, aud.FACILITATORS),
        )
    return len(copies)


async def remove_item(units: Units, panel_id: int, actor: Actor, step_id: int, key: str) -> None:
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        step = await _survey_step(unit.session, panel_id, step_id)
        items = items_of(step)
        if not any(i.key == key for i in items):
            raise Refused(N_("There is no such question in this survey."))
        if await _answered(unit.session, step_id, key):
            raise Refused(N_("People have answered this question already, so it stays."))
        rest = [i for i in items if i.key != key]
        validate_survey([*await _all_items(unit.session, panel_id, step_id), *rest])
        step.settings = {**step.settings, "items": [item_to_dict(i) for i in rest]}
        step.revision += 1
        await unit.record(
            actor,
            "survey.item_removed",
            {"step": step_id, "key": key},
            topics=("panel",),
            audiences=(aud.PHONES, aud.FACILITATORS),
        )


async def show_results(
    units: Units, panel_id: int, actor: Actor, step_id: int, keys: Sequence[str]
) -> None:
    """Which opinion questions a results step shows, before and after, in the order given."""
    async with units.panel(panel_id) as unit:
        step = await unit.session.get(Step, step_id)
        if step is None or step.panel_id != panel_id or step.kind != "results":
            raise Refused(N_("There is no such results step in this panel."))
        asked = rows.items_by_wave(await rows.surveys_of(unit.session, panel_id))
        known = {shown_key(pair) for pair in opinion_pairs(asked[Wave.BEFORE], asked[Wave.AFTER])}
        unknown = [key for key in keys if key not in known]
        if unknown:
            raise Refused(N_("There is no opinion question “%(key)s”."), key=unknown[0][:40])
        step.settings = {**step.settings, "opinion_items": list(dict.fromkeys(keys))}
        step.revision += 1
        await unit.record(
            actor,
            "results.items",
            {"step": step_id, "items": list(dict.fromkeys(keys))},
            topics=("panel",),
            audiences=(aud.PHONES, aud.FACILITATORS, aud.DISPLAY),
        )


async def answer(
    units: Units,
    panel_id: int,
    step_id: int,
    values: Mapping[str, Sequence[str]],
    *,
    participant_id: int | None = None,
    invite_id: int | None = None,
) -> int:
    """Save what was filled in; returns how many answers were saved.

    A participant answers the survey open now; an invite holder answers a survey the
    organiser opened for answering at home. A value that does not fit refuses the
    whole form and saves nothing, naming the question.
    """
    async with units.panel(panel_id, lock=False) as unit:
        panel = await unit.session.get(Panel, panel_id)
        step = await _survey_step(unit.session, panel_id, step_id)
        if panel is None or panel.status == "closed":
            raise Refused(N_("This panel has ended. Thank you for your interest."))
        if participant_id is not None:
            person = await row_in_panel(
                unit.session,
                Participant,
                participant_id,
                panel_id,
                N_("You are not part of this panel."),
            )
            if panel.current_step_id != step_id and not step.settings.get("at_home"):
                raise Refused(N_("This survey is not open right now."))
            respondent, actor = rows.respondent_of(person), Actor.participant(person.id)
        else:
            invite = await unit.session.get(Invite, invite_id)
            if invite is None or invite.panel_id != panel_id or not step.settings.get("at_home"):
                raise Refused(N_("This survey is not open for answering at home."))
            respondent, actor = f"i:{invite.id}", Actor("invite", invite.id)
        parsed = []
        for item in items_of(step):
            given = [v for v in values.get(item.key, ()) if v != ""]
            if not given:
                continue
            try:
                reply = parse_answer(item, given)
            except Refused as refusal:
                raise Refused(
                    N_("Question “%(question)s”: %(problem)s"),
                    question=item.question[:80],
                    problem=refusal,
                ) from None
            if reply is not None:
                parsed.append((item, reply))
        now = utcnow()
        for item, reply in parsed:
            await upsert(
                unit.session,
                SurveyAnswer,
                {
                    "panel_id": panel_id,
                    "step_id": step_id,
                    "respondent": respondent,
                    "item_key": item.key,
                    "answer": answer_to_dict(reply),
                    "updated_at": now,
                },
                conflict=("step_id", "respondent", "item_key"),
                update=("answer", "updated_at"),
            )
        if not parsed:
            return 0
        await unit.record(
            actor,
            "survey.answer",
            {"step": step_id, "items": [i.key for i, _ in parsed]},
            topics=("survey_counts",),
            audiences=(aud.FACILITATORS,),
        )
    return len(parsed)


async def answers_of(
    session: AsyncSession, step_id: int, respondent: str
) -> dict[str, dict[str, Any]]:
    rows = await session.execute(
        select(SurveyAnswer.item_key, SurveyAnswer.answer).where(
            SurveyAnswer.step_id == step_id, SurveyAnswer.respondent == respondent
        )
    )
    return {key: dict(value) for key, value in rows.all()}
