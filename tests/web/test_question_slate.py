"""Choosing the experts' questions fairly on the tablet: the rule, its check, an override."""

from __future__ import annotations

import re

from sqlalchemy import select

from facilitation.deliberation.plenary import queue
from server.db.models import QuestionRow
from server.db.models_recommendations import QuestionSlate
from server.db.records import question_of
from tests.support.day import Day, text_of
from tests.support.deliberation import open_step
from tests.support.recommendations import seats


async def test_the_slate_serves_both_tables_and_an_override_keeps_its_reason(day: Day) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "questions")
    phones = [await day.phone(panel) for _ in range(4)]
    tables = await seats(day, panel)
    lead = await day.staff("facilitator", panel)
    first_table = [p for p, t in zip(phones, tables, strict=True) if t == tables[0]]
    other_table = [p for p, t in zip(phones, tables, strict=True) if t != tables[0]]
    for phone, text in (
        (first_table[0], "Cost?"),
        (first_table[0], "Timeline?"),
        (first_table[0], "Who pays?"),
        (other_table[0], "Noise?"),
    ):
        await phone.post(f"/p/{panel.id}/questions", {"text": text})
    async with day.services.db.reading() as session:
        questions = list(await session.scalars(select(QuestionRow).order_by(QuestionRow.id)))
    for q in questions:
        author = first_table[0] if q.table_id == tables[0] else other_table[0]
        await author.post(f"/p/{panel.id}/questions/{q.id}/send")
        await lead.post(f"/panels/{panel.id}/questions/{q.id}/approve")

    too_many = await lead.post(f"/panels/{panel.id}/slate", {"k": "5", "rule": "equal_shares"})
    assert too_many.status_code == 409 and "from 1 to 4" in text_of(too_many.text)
    chosen = await lead.post(f"/panels/{panel.id}/slate", {"k": "2", "rule": "equal_shares"})
    assert chosen.status_code == 200, chosen.text
    async with day.services.db.reading() as session:
        [slate] = list(await session.scalars(select(QuestionSlate)))
    by_text = {q.text: q.id for q in questions}
    assert slate.chosen == [by_text["Cost?"], by_text["Noise?"]]
    assert slate.ejr["holds"]
    run = text_of((await lead.get(f"/panels/{panel.id}/run")).text)
    assert "Every table's group of questions is represented" in run
    # The slate leads the queue the experts work through, in its order, marked with the
    # tables each question serves; the rest follow in the order they stood.
    names = {q.id: q.text for q in questions}
    assert await queue_order(day, panel.id) == ["Cost?", "Noise?", "Timeline?", "Who pays?"]
    run_html = (await lead.get(f"/panels/{panel.id}/run")).text
    queue = fac_queue(run_html)
    assert [names[q] for q in queue] == ["Cost?", "Noise?", "Timeline?", "Who pays?"]
    marks = slate_marks(run_html)
    labels = {t: f"Table {i + 1}" for i, t in enumerate(sorted(set(tables) - {None}))}
    assert marks == {
        by_text["Cost?"]: f"Serves: {labels[tables[0]]}",
        by_text["Noise?"]: f"Serves: {labels[other_table_id(tables)]}",
    }
    display = text_of((await lead.get(f"/d/{panel.display_token}")).text)
    assert display.index("Cost?") < display.index("Noise?") < display.index("Timeline?")
    assert display.count("On the experts' slate") == 2

    no_reason = await lead.post(
        f"/panels/{panel.id}/slate/override",
        {"chosen": [str(by_text["Cost?"]), str(by_text["Timeline?"])], "reason": ""},
    )
    assert no_reason.status_code == 409 and "Say why" in text_of(no_reason.text)
    await lead.post(
        f"/panels/{panel.id}/slate/override",
        {"chosen": [str(by_text["Cost?"]), str(by_text["Timeline?"])], "reason": "Time"},
    )
    async with day.services.db.reading() as session:
        latest = list(await session.scalars(select(QuestionSlate).order_by(QuestionSlate.id)))[-1]
    assert latest.override_reason == "Time"
    assert latest.rule_chose == [by_text["Cost?"], by_text["Noise?"]]
    assert not latest.ejr["holds"] and latest.ejr["tables"] == [
        tables[phones.index(other_table[0])]
    ]
    run = text_of((await lead.get(f"/panels/{panel.id}/run")).text)
    assert "Not every group is represented" in run and "Reason for the change: Time" in run
    # The facilitator's slate leads the queue instead.
    assert await queue_order(day, panel.id) == ["Cost?", "Timeline?", "Noise?", "Who pays?"]
    assert set(slate_marks((await lead.get(f"/panels/{panel.id}/run")).text)) == {
        by_text["Cost?"],
        by_text["Timeline?"],
    }


def other_table_id(tables: list[int | None]) -> int:
    return next(t for t in tables if t is not None and t != tables[0])


async def queue_order(day: Day, panel_id: int) -> list[str]:
    """The queue as the plenary rule orders it, from what is stored."""
    async with day.services.db.reading() as session:
        everyone = [question_of(r) for r in await session.scalars(select(QuestionRow))]
    return [q.text for q in queue(everyone, {})]


def fac_queue(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="queue-(\d+)"', html)]


def slate_marks(html: str) -> dict[int, str]:
    """Question → the "serves" line of the tablet's queue entries marked as on the slate."""
    found = {}
    for item in re.findall(
        r'<li id="queue-(\d+)" class="[^"]*on-slate[^"]*">(.*?)</li>', html, re.S
    ):
        mark = re.search(r'class="slate-mark">.*?</span>\s*(.*?)</p>', item[1], re.S)
        assert mark, item
        found[int(item[0])] = mark.group(1).strip()
    return found
