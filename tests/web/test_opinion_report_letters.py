"""The report and the export name the opinion groups with the letters the room saw live.

The live updates keep a group's letter as it grows (`clustering.stable_letters`); a
computation from scratch names the largest group A. Here camp 0 is the larger at
first and becomes group A on the tablet, then camp 1 grows past it: the room still
sees camp 0 as A, and so must the report and the export.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from server.db.models import Participant, StatementVote
from server.ops import arguments
from server.reporting.export import export_files
from server.reporting.page import render_standalone
from server.reporting.record import load_record
from server.reporting.report import build_report
from tests.support.day import Day, PanelInfo, text_of
from tests.support.deliberation import open_step
from tests.support.reporting import add_participant, add_statements, table_ids
from tests.web.test_opinion_tablet import tablet_text

STATEMENTS = 10


def choice(camp: int, statement: int) -> str:
    """Camp 0 agrees with the even statements, camp 1 with the odd, both with statement 0."""
    return "agree" if statement == 0 or statement % 2 == camp else "disagree"


class Room:
    """Statements written at the first table, voted on by people at the second."""

    def __init__(self, day: Day, panel: PanelInfo, step: int, tables: list[int]) -> None:
        self.day, self.panel, self.step = day, panel, step
        self.table, self.voters_table = tables
        self.statements: list[int] = []
        self.camp_of: dict[int, int] = {}
        """Participant id → camp."""

    async def start(self) -> None:
        author = await add_participant(self.day, self.panel, 1000, self.table, None)
        self.statements = await add_statements(
            self.day, self.panel, self.step, self.table, author.id, STATEMENTS
        )

    async def join(self, people: int, camp: int, live: bool = True) -> None:
        """`people` more of the camp vote on every statement; if `live`, the last vote goes
        through the server, so the live groups are recomputed."""
        joined = [
            await add_participant(
                self.day, self.panel, len(self.camp_of) + n + 1, self.voters_table, None
            )
            for n in range(people)
        ]
        async with self.day.services.db.writing() as session:
            for person in joined:
                self.camp_of[person.id] = camp
                for i, argument in enumerate(self.statements):
                    if live and person is joined[-1] and i == 1:
                        continue
                    session.add(
                        StatementVote(
                            argument_id=argument, participant_id=person.id, choice=choice(camp, i)
                        )
                    )
        if not live:
            return
        await arguments.statement_vote(
            self.day.services.units,
            self.panel.id,
            joined[-1].id,
            self.statements[1],
            choice(camp, 1),
        )


async def a_room(day: Day) -> Room:
    panel = await day.panel(tables=2)
    step = await open_step(day, panel, "discussion", statement_votes="on")
    return Room(day, panel, step, await table_ids(day, panel))


async def test_the_report_and_export_give_each_person_the_letter_the_room_saw(day: Day) -> None:
    room = await a_room(day)
    await room.start()
    await room.join(30, 0)
    await room.join(15, 1)
    tablet = await day.staff("facilitator", room.panel)
    await tablet_text(tablet, room.panel, "Group A: 30 people")
    await room.join(45, 1)
    # What a statement vote does when the panel's screens are connected (no sockets here).
    day.services.hub.opinion.poke(room.panel.id)
    seen = await tablet_text(tablet, room.panel, "Group B: 60 people")
    assert "Group A: 30 people" in seen

    async with day.services.db.reading() as session:
        record = await load_record(session, room.panel.id)
    (summary,) = build_report(record, date(2026, 5, 1)).opinion_groups
    assert [(g.letter, g.size) for g in summary.groups] == [("A", 30), ("B", 60)]
    assert summary.as_live == (90, 90)
    assert summary.live_current
    text = text_of(render_standalone(day.services, build_report(record, date(2026, 5, 1))))
    assert "the letters are the ones the room saw" in text
    assert "90 of the 90 people placed both here and on the room's screens" in text

    pseudonym = {p.id: p.pseudonym for p in await participants(day, list(room.camp_of))}
    groups = list(csv.DictReader(io.StringIO(export_files(record)["opinion_groups.csv"].decode())))
    letter = {r["id"]: r["group"] for r in groups}
    assert {letter[pseudonym[p]] for p, camp in room.camp_of.items() if camp == 0} == {"A"}
    assert {letter[pseudonym[p]] for p, camp in room.camp_of.items() if camp == 1} == {"B"}
    statements = list(
        csv.DictReader(io.StringIO(export_files(record)["opinion_statements.csv"].decode()))
    )
    assert {(r["group"], r["size"]) for r in statements} == {("A", "30"), ("B", "60")}


async def test_without_live_groups_the_report_says_the_letters_are_its_own(day: Day) -> None:
    room = await a_room(day)
    await room.start()
    await room.join(30, 0, live=False)
    await room.join(60, 1, live=False)
    async with day.services.db.reading() as session:
        record = await load_record(session, room.panel.id)
    report = build_report(record, date(2026, 5, 1))
    (summary,) = report.opinion_groups
    # Computed from scratch: the largest group is A.
    assert [(g.letter, g.size) for g in summary.groups] == [("A", 60), ("B", 30)]
    assert summary.as_live is None
    text = text_of(render_standalone(day.services, report))
    assert "the letters are the report's own" in text


async def participants(day: Day, ids: list[int]) -> list[Participant]:
    async with day.services.db.reading() as session:
        return list(await session.scalars(select(Participant).where(Participant.id.in_(ids))))
