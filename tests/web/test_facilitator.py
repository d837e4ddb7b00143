"""Facilitators run the day from the tablet: agenda, timer and tables."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Panel, Participant
from server.db.types import utcnow
from tests.support.day import Day, text_of


async def panel_row(day: Day, panel_id: int) -> Panel:
    async with day.services.db.reading() as session:
        row = await session.get(Panel, panel_id)
    assert row is not None
    return row


async def test_the_facilitator_starts_advances_goes_back_and_closes(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    run = await tablet.get(f"/panels/{panel.id}/run")
    assert "Start the first step" in text_of(run.text)
    for action in ("start", "advance", "advance", "back"):
        response = await tablet.post(f"/panels/{panel.id}/agenda/{action}")
        assert response.status_code == 200, response.text
    row = await panel_row(day, panel.id)
    assert row.status == "running"
    phone = await day.phone(panel)
    assert "Step 2 of 8" in text_of((await phone.get(f"/p/{panel.id}")).text)
    await tablet.post(f"/panels/{panel.id}/agenda/close")
    assert (await panel_row(day, panel.id)).status == "closed"
    assert "The panel has ended" in text_of((await phone.get(f"/p/{panel.id}")).text)
    await tablet.post(f"/panels/{panel.id}/agenda/reopen")
    assert "Step 2 of 8" in text_of((await phone.get(f"/p/{panel.id}")).text)


async def test_a_refused_transition_says_why_and_changes_nothing(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    before = (await day.seq(panel.id), await day.audit_count(panel.id))
    refused = await tablet.post(f"/panels/{panel.id}/agenda/back")
    assert refused.status_code == 409
    assert "The panel is not running" in text_of(refused.text)
    assert (await day.seq(panel.id), await day.audit_count(panel.id)) == before
    await tablet.post(f"/panels/{panel.id}/agenda/go_to", {"index": "7"})
    last = (await day.seq(panel.id), await day.audit_count(panel.id))
    refused = await tablet.post(f"/panels/{panel.id}/agenda/advance")
    assert refused.status_code == 409 and "last step" in text_of(refused.text)
    assert (await day.seq(panel.id), await day.audit_count(panel.id)) == last


async def test_unknown_actions_and_missing_step_numbers_are_refused(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    assert (await tablet.post(f"/panels/{panel.id}/agenda/explode")).status_code == 409
    missing = await tablet.post(f"/panels/{panel.id}/agenda/go_to", {"index": "99"})
    assert "no step number 100" in text_of(missing.text)


async def test_every_change_is_in_the_audit_log_with_a_rising_seq(day: Day) -> None:
    from server.db.models import AuditEvent

    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/agenda/start")
    await tablet.post(f"/panels/{panel.id}/timer/start", {"minutes": "3"})
    async with day.services.db.reading() as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.panel_id == panel.id).order_by(AuditEvent.seq)
            )
        )
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.action for e in events][-2:] == ["agenda.start", "timer.start"]
    assert events[-1].actor_kind == "account"
    assert events[-1].actor_id == tablet.account.id  # type: ignore[attr-defined]


async def test_the_timer_starts_pauses_resumes_and_gets_more_time(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/timer/start", {"minutes": "2"})
    row = await panel_row(day, panel.id)
    assert row.timer_ends_at is not None
    await tablet.post(f"/panels/{panel.id}/timer/pause")
    row = await panel_row(day, panel.id)
    assert row.timer_ends_at is None and row.timer_remaining in (119, 120)
    await tablet.post(f"/panels/{panel.id}/timer/add", {"seconds": "60"})
    assert (await panel_row(day, panel.id)).timer_remaining in (179, 180)
    await tablet.post(f"/panels/{panel.id}/timer/resume")
    assert (await panel_row(day, panel.id)).timer_ends_at is not None
    refused = await tablet.post(f"/panels/{panel.id}/timer/start", {"minutes": "lots"})
    assert refused.status_code == 409 and "number of minutes" in text_of(refused.text)


async def test_a_new_step_offers_its_own_duration_when_the_timer_starts_blank(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/timer/start", {"minutes": "3"})
    await tablet.post(f"/panels/{panel.id}/agenda/start")
    row = await panel_row(day, panel.id)
    assert row.timer_ends_at is None and row.timer_remaining is None  # a new step, a new clock
    run = await tablet.get(f"/panels/{panel.id}/run")
    assert 'placeholder="10"' in run.text  # the survey's own ten minutes
    await tablet.post(f"/panels/{panel.id}/timer/start", {"minutes": ""})
    row = await panel_row(day, panel.id)
    assert row.timer_ends_at is not None
    left = (row.timer_ends_at - utcnow()).total_seconds()
    assert 590 < left <= 600


async def test_a_participant_can_be_moved_to_another_table_by_number(day: Day) -> None:
    panel = await day.panel(tables=2)
    phone = await day.phone(panel)
    tablet = await day.staff("facilitator", panel)
    run = await tablet.get(f"/panels/{panel.id}/run")
    assert "1 joined" in text_of(run.text)
    async with day.services.db.reading() as session:
        person = await session.scalar(select(Participant).where(Participant.panel_id == panel.id))
        from server.db.models import PanelTable

        tables = list(
            await session.scalars(
                select(PanelTable.id)
                .where(PanelTable.panel_id == panel.id)
                .order_by(PanelTable.position)
            )
        )
    assert person is not None and person.table_id == tables[0]
    moved = await tablet.post(f"/panels/{panel.id}/move", {"number": "1", "table": tables[1]})
    assert moved.status_code == 200 and "was moved" in text_of(moved.text)
    assert "Table 2" in text_of((await phone.get(f"/p/{panel.id}")).text)
    nobody = await tablet.post(f"/panels/{panel.id}/move", {"number": "9", "table": tables[0]})
    assert nobody.status_code == 409 and "no participant number 9" in text_of(nobody.text)
