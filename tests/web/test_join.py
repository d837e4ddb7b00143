"""Joining a panel from a phone: codes, seats, and clear answers when it cannot be done."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from facilitation.codes import format_join_code
from server.db.models import Panel, Participant
from server.db.types import utcnow
from server.live.view import PanelView, Seat
from server.ops import agenda
from server.ops.events import SYSTEM
from tests.support.day import Day, text_of


async def test_a_phone_joins_with_the_code_and_is_told_its_table(day: Day) -> None:
    panel = await day.panel(tables=3)
    phone = await day.phone(panel)
    page = await phone.get(f"/p/{panel.id}")
    assert page.status_code == 200
    assert "Your table: Table 1" in text_of(page.text)
    assert "We will begin shortly" in text_of(page.text)


async def test_the_code_may_be_typed_in_lower_case_with_spaces(day: Day) -> None:
    panel = await day.panel()
    phone = day.person()
    await phone.get("/")
    typed = format_join_code(panel.code).lower()
    response = await phone.post("/join", {"code": typed}, htmx=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/p/{panel.id}"


async def test_a_wrong_code_gets_a_clear_message_and_nothing_is_stored(day: Day) -> None:
    panel = await day.panel()
    phone = day.person()
    await phone.get("/")
    response = await phone.post("/join", {"code": "AAAAAA"}, htmx=False)
    assert response.status_code == 422
    assert "There is no panel with the code AAAAAA" in text_of(response.text)
    malformed = await phone.post("/join", {"code": "hello"}, htmx=False)
    assert "6 letters and digits" in text_of(malformed.text)
    assert await _participants(day, panel.id) == 0


async def test_an_expired_code_says_to_ask_for_the_new_one(day: Day) -> None:
    panel = await day.panel()
    async with day.services.db.writing() as session:
        row = await session.get(Panel, panel.id)
        assert row is not None
        row.join_code_expires_at = utcnow() - timedelta(minutes=1)
    phone = day.person()
    await phone.get("/")
    response = await phone.post("/join", {"code": panel.code}, htmx=False)
    assert response.status_code == 422
    assert "expired" in text_of(response.text)
    link = await phone.get(f"/j/{panel.code}")
    assert link.status_code == 404 and "expired" in text_of(link.text)
    assert await _participants(day, panel.id) == 0


async def test_a_closed_panel_cannot_be_joined(day: Day) -> None:
    panel = await day.panel()
    await agenda.transition(day.services.units, panel.id, SYSTEM, "close")
    phone = day.person()
    await phone.get("/")
    response = await phone.post("/join", {"code": panel.code}, htmx=False)
    assert response.status_code == 422
    assert "This panel has ended" in text_of(response.text)
    assert await _participants(day, panel.id) == 0


async def test_a_draft_panel_cannot_be_joined_yet(day: Day) -> None:
    panel = await day.panel(open=False)
    phone = day.person()
    await phone.get("/")
    response = await phone.post("/join", {"code": panel.code}, htmx=False)
    assert "has not opened yet" in text_of(response.text)


async def test_rejoining_from_the_same_phone_returns_the_same_seat(day: Day) -> None:
    panel = await day.panel()
    phone = await day.phone(panel)
    again = await phone.post("/join", {"code": panel.code}, htmx=False)
    assert again.headers["location"] == f"/p/{panel.id}"
    qr_again = await phone.get(f"/j/{panel.code}")
    assert qr_again.status_code == 303
    assert await _participants(day, panel.id) == 1


async def test_joiners_are_spread_evenly_over_the_tables(day: Day) -> None:
    panel = await day.panel(tables=3)
    for _ in range(7):
        await day.phone(panel)
    async with day.services.db.reading() as session:
        sizes = sorted(
            (
                await session.execute(
                    select(func.count())
                    .where(Participant.panel_id == panel.id)
                    .group_by(Participant.table_id)
                )
            ).scalars()
        )
    assert sizes == [2, 2, 3]


async def test_participants_are_numbered_and_carry_no_personal_data(day: Day) -> None:
    panel = await day.panel()
    await day.phone(panel)
    await day.phone(panel)
    async with day.services.db.reading() as session:
        rows = list(await session.scalars(select(Participant).order_by(Participant.number)))
    assert [r.number for r in rows] == [1, 2]
    assert len({r.pseudonym for r in rows}) == 2
    columns = set(Participant.__table__.columns.keys())
    assert not columns & {"name", "email", "phone", "address"}


async def test_the_seats_the_tables_list_reads_are_the_participants_own(day: Day) -> None:
    """The facilitators' list of tables reads only number and table (`PanelView.seats`),
    the same whether or not the whole rows were loaded in the same pass."""
    panel = await day.panel(tables=3)
    for _ in range(5):
        await day.phone(panel)
    async with day.services.db.reading() as session:
        rows = list(
            await session.scalars(
                select(Participant)
                .where(Participant.panel_id == panel.id)
                .order_by(Participant.number)
            )
        )
        expected = [Seat(p.id, p.number, p.table_id) for p in rows]
        assert len({s.table_id for s in expected}) == 3
        assert await PanelView(session, panel.id).seats() == expected
        loaded = PanelView(session, panel.id)
        await loaded.participants()
        assert await loaded.seats() == expected


async def _participants(day: Day, panel_id: int) -> int:
    async with day.services.db.reading() as session:
        count = await session.scalar(select(func.count()).where(Participant.panel_id == panel_id))
    return int(count or 0)
