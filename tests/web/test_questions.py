"""Questions for the expert panel: drafted and sent by tables, queued, answered, kept."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import QuestionRow
from tests.support.day import Day, text_of
from tests.support.deliberation import open_step


async def questions(day: Day) -> list[QuestionRow]:
    async with day.services.db.reading() as session:
        return list(await session.scalars(select(QuestionRow).order_by(QuestionRow.id)))


async def test_a_table_drafts_sends_and_the_lead_answers_on_the_projector(day: Day) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "questions")
    asker, other = await day.phone(panel), await day.phone(panel)
    response = await asker.post(f"/p/{panel.id}/questions", {"text": "What does it cost?"})
    assert response.status_code == 200 and "draft" in text_of(response.text)
    [question] = await questions(day)
    assert question.state == "draft"
    assert "What does it cost?" not in text_of((await other.get(f"/p/{panel.id}")).text)
    await asker.post(f"/p/{panel.id}/questions/{question.id}/send")
    lead = await day.staff("facilitator", panel)
    await lead.post(f"/panels/{panel.id}/questions/{question.id}/approve")
    assert "What does it cost?" in text_of((await other.get(f"/p/{panel.id}")).text)

    answer = await lead.post(f"/panels/{panel.id}/questions/{question.id}/answer_now")
    assert answer.status_code == 200
    projector = text_of((await day.person().get(f"/d/{panel.display_token}")).text)
    assert "The experts are answering What does it cost?" in projector
    assert "The experts are answering" in text_of((await other.get(f"/p/{panel.id}")).text)
    await lead.post(f"/panels/{panel.id}/questions/{question.id}/answered")
    [question] = await questions(day)
    assert question.state == "answered" and question.answered_at is not None
    run = text_of((await lead.get(f"/panels/{panel.id}/run")).text)
    assert "Answered (1)" in run


async def test_only_one_question_is_answered_at_a_time(day: Day) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "questions")
    phone = await day.phone(panel)
    lead = await day.staff("facilitator", panel)
    for text in ("First?", "Second?"):
        await phone.post(f"/p/{panel.id}/questions", {"text": text})
    for question in await questions(day):
        await phone.post(f"/p/{panel.id}/questions/{question.id}/send")
        await lead.post(f"/panels/{panel.id}/questions/{question.id}/approve")
    first, second = await questions(day)
    await lead.post(f"/panels/{panel.id}/questions/{first.id}/answer_now")
    refused = await lead.post(f"/panels/{panel.id}/questions/{second.id}/answer_now")
    assert refused.status_code == 409 and "Another question" in text_of(refused.text)


async def test_support_for_other_tables_questions_orders_the_queue(day: Day) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "questions")
    left, right, right_too = await day.phone(panel), await day.phone(panel), await day.phone(panel)
    del right_too
    lead = await day.staff("facilitator", panel)
    for phone, text in ((left, "Left asks?"), (left, "Left again?")):
        await phone.post(f"/p/{panel.id}/questions", {"text": text})
    for question in await questions(day):
        await left.post(f"/p/{panel.id}/questions/{question.id}/send")
        await lead.post(f"/panels/{panel.id}/questions/{question.id}/approve")
    first, second = await questions(day)
    own = await left.post(f"/p/{panel.id}/questions/{second.id}/upvote", {"upvote": "on"})
    assert own.status_code == 409 and "own table" in text_of(own.text)
    for _ in range(2):  # a retry counts once
        ok = await right.post(f"/p/{panel.id}/questions/{second.id}/upvote", {"upvote": "on"})
    assert ok.status_code == 200
    run = text_of((await lead.get(f"/panels/{panel.id}/run")).text)
    assert run.index("Left again?") < run.index("Left asks?")
    assert "1 support" in run
    await lead.post(f"/panels/{panel.id}/questions/{first.id}/move", {"to": "0"})
    run = text_of((await lead.get(f"/panels/{panel.id}/run")).text)
    assert run.index("Left asks?") < run.index("Left again?")


async def test_a_sent_question_is_with_the_lead_and_the_table_cannot_change_it(day: Day) -> None:
    panel = await day.panel()
    await panel_post_moderation(day, panel.id)
    await open_step(day, panel, "questions")
    phone = await day.phone(panel)
    await phone.post(f"/p/{panel.id}/questions", {"text": "Why?"})
    [question] = await questions(day)
    await phone.post(f"/p/{panel.id}/questions/{question.id}/edit", {"text": "Why now?"})
    await phone.post(f"/p/{panel.id}/questions/{question.id}/send")
    refused = await phone.post(f"/p/{panel.id}/questions/{question.id}/edit", {"text": "?"})
    assert refused.status_code == 409 and "with the lead" in text_of(refused.text)
    [question] = await questions(day)
    assert (question.text, question.state) == ("Why now?", "queued")


async def panel_post_moderation(day: Day, panel_id: int) -> None:
    from server.ops import panels
    from server.ops.events import SYSTEM

    await panels.update_settings(day.services.units, panel_id, SYSTEM, "post", False)
