"""The demo panel: a deliberative poll about a car-free Bergen, ready to run.

It goes through the same operations an organiser's forms use, so the demo shows
exactly what a real panel would: proposals at the tables and on the ballot, a survey
before with balanced opinion questions and a knowledge question, and the same
questions asked again after. The content is in bokmål, the demo panel's language.
"""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Step
from server.ops import proposals, surveys
from server.ops import steps as agenda_steps
from server.ops.events import Actor
from server.ops.unit import Units

PROPOSALS = (
    ("Bilfritt sentrum innen 2030", "Privatbiler stenges ute fra Bryggen til Nygårdsparken."),
    ("Gratis buss i sentrum", "Bussene i sentrumssonen blir gratis for alle."),
    ("Flere sykkelveier", "Et sammenhengende nett av trygge sykkelveier til sentrum."),
)

QUESTIONS = (
    {
        "key": "bilfritt",
        "kind": "opinion",
        "question": "Bør Bergen stenge sentrum for privatbiler innen 2030?",
        "some_say": "Butikkene i sentrum trenger kunder som kommer med bil.",
        "others_say": "Færre biler gir renere luft, mindre støy og tryggere gater.",
        "low_label": "Helt uenig",
        "high_label": "Helt enig",
    },
    {
        "key": "bompenger",
        "kind": "opinion",
        "question": "Bør bompengene i sentrum gå opp i rushtiden?",
        "some_say": "Høyere bompenger gir mindre kø og penger til kollektivtrafikk.",
        "others_say": "Høyere bompenger rammer dem som må kjøre til jobb.",
        "low_label": "Helt uenig",
        "high_label": "Helt enig",
    },
    {
        "key": "bybane",
        "kind": "knowledge",
        "question": "Hvor mange bybanelinjer har Bergen i dag?",
        "options": "1\n2\n4",
        "correct": "1",  # counted from 0: two lines, to Flesland and to Fyllingsdalen
    },
)


async def seed(units: Units, panel_id: int, actor: Actor) -> None:
    async with units.reading() as session:
        steps = list(
            await session.scalars(
                select(Step).where(Step.panel_id == panel_id).order_by(Step.position)
            )
        )
    ids = [await proposals.add(units, panel_id, actor, t, d) for t, d in PROPOSALS]
    chosen = [str(i) for i in ids]
    for step in steps:
        if step.kind in ("discussion", "questions"):
            values = {"statement_votes": "on", "question_upvotes": "on"}
            await agenda_steps.edit_step_settings(units, panel_id, actor, step.id, chosen, values)
        elif step.kind == "vote":
            values = {"method": "dots", "budget": "5", "max_per_option": "3", "results": "reveal"}
            await agenda_steps.edit_step_settings(units, panel_id, actor, step.id, chosen, values)
    before, after = [step for step in steps if step.kind == "survey"][:2]
    for question in QUESTIONS:
        await surveys.save_item(units, panel_id, actor, before.id, question, None)
    await surveys.set_survey(units, panel_id, actor, before.id, "T1", at_home=True)
    await surveys.repeat_items(units, panel_id, actor, after.id, [q["key"] for q in QUESTIONS])
