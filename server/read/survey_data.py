"""A panel's surveys as the statistics need them: items per wave, answers per respondent.

Shared by the results step, the council report and the data export, so all three
count the same answers the same way.

Survey steps keep their items in `step.settings["items"]` (dicts of
`facilitation.survey.item_to_dict`) and their wave in `step.settings["wave"]`
("T1" before, "T2" after). A respondent is `i:<invite id>` for someone with a
personal code (their answers at home and at the event are one person's), else
`p:<participant id>`. Invite codes marked `control` form the control group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.survey import Answer, SurveyItem, Wave, answer_from_dict, opinion_pairs
from server.db.models import Invite, Participant, SurveyAnswer
from server.db.rows import items_by_wave, surveys_of

# The statistics are imported where they are computed (the results step, the report):
# a server starting up for a room of phones does not need them (tests/test_startup.py).
if TYPE_CHECKING:
    from facilitation.analysis import OpinionItemResult

Answers = dict[str, Answer]  # respondent → answer


@dataclass
class SurveyData:
    items: dict[Wave, list[SurveyItem]] = field(default_factory=lambda: defaultdict(list))
    answers: dict[tuple[Wave, str], Answers] = field(default_factory=lambda: defaultdict(dict))
    controls: set[str] = field(default_factory=set)
    pseudonyms: dict[str, str] = field(default_factory=dict)

    def of(self, wave: Wave, key: str, *, control: bool = False) -> Answers | None:
        """Answers to an item in a wave, from participants or from controls; None: not asked."""
        if not any(item.key == key for item in self.items[wave]):
            return None
        answers = self.answers.get((wave, key), {})
        return {r: a for r, a in answers.items() if (r in self.controls) == control}

    def opinion_pairs(self) -> list[tuple[SurveyItem | None, SurveyItem | None]]:
        """Opinion and agreement items, each T1 item with the T2 item that repeats it."""
        return opinion_pairs(self.items[Wave.BEFORE], self.items[Wave.AFTER])


async def load(session: AsyncSession, panel_id: int) -> SurveyData:
    data = SurveyData()
    surveys = await surveys_of(session, panel_id)
    data.items.update(items_by_wave(surveys))
    wave_of_step = {step.id: wave for step, wave, _items in surveys}
    rows = await session.scalars(select(SurveyAnswer).where(SurveyAnswer.panel_id == panel_id))
    for row in rows:
        answered_in = wave_of_step.get(row.step_id)
        if answered_in is not None:
            data.answers[(answered_in, row.item_key)][row.respondent] = answer_from_dict(row.answer)
    for invite in await session.scalars(select(Invite).where(Invite.panel_id == panel_id)):
        data.pseudonyms[f"i:{invite.id}"] = invite.pseudonym
        if invite.role == "control":
            data.controls.add(f"i:{invite.id}")
    for person in await session.scalars(
        select(Participant).where(Participant.panel_id == panel_id, Participant.invite_id.is_(None))
    ):
        data.pseudonyms[f"p:{person.id}"] = person.pseudonym
    return data


def opinion_results(data: SurveyData) -> list[tuple[SurveyItem, OpinionItemResult]]:
    """The statistics of every opinion item, participants against controls."""
    from facilitation.analysis import analyse_opinion_item

    out = []
    for before_item, after_item in data.opinion_pairs():
        item = after_item or before_item
        assert item is not None
        before_key = before_item.key if before_item else None
        before = data.of(Wave.BEFORE, before_key) if before_key else None
        after = data.of(Wave.AFTER, after_item.key) if after_item else None
        controls_before = data.of(Wave.BEFORE, before_key, control=True) if before_key else None
        controls_after = data.of(Wave.AFTER, after_item.key, control=True) if after_item else None
        result = analyse_opinion_item(
            item, before, after, controls_before or None, controls_after or None
        )
        out.append((before_item or item, result))
    return out
