"""A rehearsal fills a copy of a panel with simulated phones and never touches the original."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from server import rehearsal
from server.db.models import (
    ArgumentRow,
    AuditEvent,
    Ballot,
    Panel,
    Participant,
    QuestionRow,
    StatementVote,
    SurveyAnswer,
    VoteResult,
)
from server.ops import demo
from server.ops.events import Actor
from server.services import Services
from tests.support.day import Day, PanelInfo

PHONES = 6


async def counts(services: Services, panel_id: int) -> dict[str, int]:
    """How many of each thing people make the panel holds."""
    async with services.db.reading() as session:

        async def count(model: type, *where: object) -> int:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)))

        return {
            "participants": await count(Participant, Participant.panel_id == panel_id),
            "answers": await count(SurveyAnswer, SurveyAnswer.panel_id == panel_id),
            "arguments": await count(ArgumentRow, ArgumentRow.panel_id == panel_id),
            "statement_votes": await count(
                StatementVote,
                StatementVote.argument_id.in_(
                    select(ArgumentRow.id).where(ArgumentRow.panel_id == panel_id)
                ),
            ),
            "questions": await count(QuestionRow, QuestionRow.panel_id == panel_id),
            "ballots": await count(Ballot, Ballot.panel_id == panel_id),
            "closed_votes": await count(VoteResult, VoteResult.panel_id == panel_id),
            "events": await count(AuditEvent, AuditEvent.panel_id == panel_id),
        }


async def demo_panel(day: Day) -> PanelInfo:
    """The demo's panel: proposals, surveys before and after, statements, a dots vote."""
    panel = await day.panel(open=False, title="Bypanel")
    async with day.services.db.reading() as session:
        owner = (await session.get(Panel, panel.id)).created_by  # type: ignore[union-attr]
    assert owner is not None
    await demo.seed(day.services.units, panel.id, Actor.account(owner))
    return panel


async def test_a_rehearsal_fills_a_copy_and_leaves_the_original_untouched(day: Day) -> None:
    panel = await demo_panel(day)
    original = await counts(day.services, panel.id)

    copy_id = await rehearsal.copy_panel(day.services, panel.id)
    tally = await rehearsal.Rehearsal(day.services, copy_id, PHONES, pace=0, seed=3).run()

    assert await counts(day.services, panel.id) == original
    made = await counts(day.services, copy_id)
    assert made["participants"] == tally.joined == PHONES
    # Every phone answered both surveys (three questions each) and voted.
    assert made["answers"] == PHONES * 3 * 2 and tally.answers == made["answers"]
    assert made["ballots"] == tally.ballots == PHONES
    assert made["closed_votes"] == 1
    assert made["arguments"] == tally.arguments == PHONES  # one each in the discussion
    assert made["statement_votes"] == tally.statement_votes > 0
    assert made["questions"] == tally.questions > 0 and tally.upvotes > 0
    assert tally.refused == 0
    async with day.services.db.reading() as session:
        copy = await session.get(Panel, copy_id)
        source = await session.get(Panel, panel.id)
    assert copy is not None and source is not None
    assert copy.title == "Rehearsal: Bypanel"
    assert copy.join_code != source.join_code and copy.display_token != source.display_token
    assert copy.created_by == source.created_by
    assert source.status == "draft" and source.seq == original["events"]


async def test_the_organisers_button_starts_a_rehearsal_on_a_copy(
    day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rehearsal, "STEP_SECONDS", 0.01)  # a calm room, a hundred times faster
    panel = await demo_panel(day)
    organiser = await day.staff("organiser")
    response = await organiser.post(f"/panels/{panel.id}/rehearse", {"phones": "4"}, htmx=False)
    assert response.status_code == 303
    copy_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert copy_id != panel.id
    page = await organiser.get(f"/panels/{copy_id}")
    assert "The rehearsal has started: 4 simulated phones" in page.text
    for _ in range(400):
        if not rehearsal._running:
            break
        await asyncio.sleep(0.05)
    assert not rehearsal._running, "the rehearsal did not finish"
    made = await counts(day.services, copy_id)
    assert made["participants"] == 4 and made["ballots"] == 4 and made["answers"] > 0
    assert (await counts(day.services, panel.id))["participants"] == 0


async def test_the_button_refuses_an_impossible_number_of_phones(day: Day) -> None:
    panel = await demo_panel(day)
    organiser = await day.staff("organiser")
    response = await organiser.post(f"/panels/{panel.id}/rehearse", {"phones": "0"})
    assert response.status_code == 409
    assert "Give a number of phones from 1 to 500." in response.text
    async with day.services.db.reading() as session:
        panels = await session.scalar(select(func.count()).select_from(Panel))
    assert panels == 1
