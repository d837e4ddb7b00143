"""A retry is the same write; the same key with other content is refused, never shown."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Ballot, QuestionRow
from tests.support.day import Day, text_of
from tests.support.deliberation import open_step, send, stored_arguments
from tests.support.voting import open_vote

KEY = "retry-key-0001"


async def test_a_ballot_retried_with_the_same_key_and_choice_is_counted_once(day: Day) -> None:
    panel = await day.panel()
    _step, (bus, _bike) = await open_vote(day, panel, "single", "Buses", "Bikes")
    phone = await day.phone(panel)
    first = await phone.post(f"/p/{panel.id}/ballot", {"choice": bus, "idempotency_key": KEY})
    audit = await day.audit_count(panel.id)
    again = await phone.post(f"/p/{panel.id}/ballot", {"choice": bus, "idempotency_key": KEY})
    assert first.status_code == again.status_code == 200
    assert "Your ballot is counted" in text_of(again.text)
    assert await day.audit_count(panel.id) == audit


async def test_a_ballot_with_a_reused_key_and_another_choice_is_refused_not_shown(
    day: Day,
) -> None:
    panel = await day.panel()
    step, (bus, bike) = await open_vote(day, panel, "single", "Buses", "Bikes")
    phone = await day.phone(panel)
    await phone.post(f"/p/{panel.id}/ballot", {"choice": bus, "idempotency_key": KEY})
    audit = await day.audit_count(panel.id)
    other = await phone.post(f"/p/{panel.id}/ballot", {"choice": bike, "idempotency_key": KEY})
    assert other.status_code == 409
    assert "already sent with other content" in text_of(other.text)
    assert "Bikes" not in text_of(other.text)  # the phone never shows what was not stored
    assert 'id="phone-my-ballot"' not in other.text
    async with day.services.db.reading() as session:
        [ballot] = list(await session.scalars(select(Ballot).where(Ballot.step_id == step)))
    assert ballot.content == {"kind": "single", "choice": bus}
    assert await day.audit_count(panel.id) == audit


async def test_an_argument_with_a_reused_key_and_other_text_is_refused(day: Day) -> None:
    panel = await day.panel()
    await open_step(day, panel, "discussion")
    phone = await day.phone(panel)
    assert await send(phone, panel, "Fewer cars, cleaner air.", key=KEY) == 200
    assert await send(phone, panel, "Fewer cars, cleaner air.", key=KEY) == 200  # a retry
    assert await send(phone, panel, "Shops will lose customers.", key=KEY) == 409
    assert [a.text for a in await stored_arguments(day, panel)] == ["Fewer cars, cleaner air."]


async def test_a_question_with_a_reused_key_and_other_text_is_refused(day: Day) -> None:
    panel = await day.panel()
    await open_step(day, panel, "questions")
    phone = await day.phone(panel)
    form = {"text": "What does it cost?", "idempotency_key": KEY}
    assert (await phone.post(f"/p/{panel.id}/questions", form)).status_code == 200
    assert (await phone.post(f"/p/{panel.id}/questions", form)).status_code == 200
    other = await phone.post(
        f"/p/{panel.id}/questions", {"text": "Who pays for it?", "idempotency_key": KEY}
    )
    assert other.status_code == 409
    assert "already sent with other content" in text_of(other.text)
    async with day.services.db.reading() as session:
        texts = list(
            await session.scalars(select(QuestionRow.text).where(QuestionRow.panel_id == panel.id))
        )
    assert texts == ["What does it cost?"]
