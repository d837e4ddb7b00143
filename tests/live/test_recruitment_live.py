"""Live screens during recruitment's day: who is present, and phones following their table."""

from __future__ import annotations

import re

from sqlalchemy import select

from server.db.models import PanelTable, Participant
from tests.support.day import Day, page_seq, text_of
from tests.support.people import Person, Recorder
from tests.support.recruitment import (
    codes_by_external_id,
    confirm_everyone_and_issue_codes,
    join_with_code,
    start_draw,
    upload_synthetic,
    wait_for_draw,
)

PRESENT = re.compile(r"present today with an invite code: (\d+)")


async def connect(person: Person, page: str, socket: str) -> Recorder:
    seq = page_seq((await person.get(page)).text)
    return Recorder(await person.socket(socket, seq))


async def test_present_today_grows_live_on_the_facilitators_screen(live_day: Day) -> None:
    panel = await live_day.panel(tables=2)
    organiser = await live_day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=80, size=8)
    assert (await wait_for_draw(live_day, await start_draw(organiser, panel))).state == "finished"
    await confirm_everyone_and_issue_codes(live_day, organiser, panel)
    tablet = await live_day.staff("facilitator", panel)
    page = await tablet.get(f"/panels/{panel.id}/recruitment")
    assert "present today with an invite code: 0" in text_of(page.text)
    assert "Pool: 80 · selected: 8" in text_of(page.text)
    assert "Record confirmations" not in text_of(page.text)  # no one's row for facilitators
    screen = Recorder(await tablet.socket(f"/ws/f/{panel.id}", page_seq(page.text)))
    codes = list((await codes_by_external_id(live_day, panel)).values())
    for code in codes[:3]:
        await join_with_code(live_day, code)
    await screen.wait_for(["present today with an invite code: 3"], timeout=10)
    await join_with_code(live_day, codes[3])
    await screen.wait_for(["present today with an invite code: 4"], timeout=10)
    counts = [int(n) for _, text in screen.frames for n in PRESENT.findall(text)]
    assert counts == sorted(counts)  # never goes back
    await screen.close()


async def test_phones_follow_their_new_table_when_a_plan_is_applied(live_day: Day) -> None:
    panel = await live_day.panel(tables=3)
    organiser = await live_day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=90, size=9, seed=8)
    assert (await wait_for_draw(live_day, await start_draw(organiser, panel))).state == "finished"
    await confirm_everyone_and_issue_codes(live_day, organiser, panel)
    phones = [
        await join_with_code(live_day, code)
        for code in (await codes_by_external_id(live_day, panel)).values()
    ]
    async with live_day.services.db.writing() as session:
        for number, table in enumerate(
            await session.scalars(select(PanelTable).where(PanelTable.panel_id == panel.id)),
            start=1,
        ):
            table.label = f"Tbl-{number}-label"
    screens = [await connect(phone, f"/p/{panel.id}", f"/ws/p/{panel.id}") for phone in phones]
    async with live_day.services.db.reading() as session:
        before = {p.id: p.table_id for p in await session.scalars(select(Participant))}
    response = await organiser.post(
        f"/panels/{panel.id}/seating/plans",
        {"diversify": ["gender", "age", "district", "education"], "seed": "4"},
    )
    assert response.status_code == 200
    plan_id = (
        (await organiser.get(f"/panels/{panel.id}/seating"))
        .text.split("/seating/plans/")[1]
        .split("/apply")[0]
    )
    applied = await organiser.post(f"/panels/{panel.id}/seating/plans/{plan_id}/apply")
    assert applied.status_code == 200
    async with live_day.services.db.reading() as session:
        people = list(await session.scalars(select(Participant).order_by(Participant.number)))
        labels = {
            t.id: t.label
            for t in await session.scalars(
                select(PanelTable).where(PanelTable.panel_id == panel.id)
            )
        }
    moved = [(n, p) for n, p in enumerate(people) if before[p.id] != p.table_id]
    assert moved, "the plan moved nobody: nothing to follow"
    for index, person in moved:
        await screens[index].wait_for([labels[person.table_id]], timeout=10)
    for screen in screens:
        await screen.close()
