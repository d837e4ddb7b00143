"""Organisers build a panel: from the Bergen template to an open panel with its links."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Panel, PanelTable, Step
from tests.support.day import Day, text_of


async def steps_of(day: Day, panel_id: int) -> list[Step]:
    async with day.services.db.reading() as session:
        return list(
            await session.scalars(
                select(Step).where(Step.panel_id == panel_id).order_by(Step.position)
            )
        )


async def test_a_new_panel_starts_from_the_deliberative_poll_in_its_language(day: Day) -> None:
    organiser = await day.staff("organiser")
    await organiser.get("/panels/new")
    response = await organiser.post(
        "/panels",
        {"title": "Byrommet", "question": "Kva no?", "language": "nn", "tables": "4"},
        htmx=False,
    )
    assert response.status_code == 303
    panel_id = int(response.headers["location"].rsplit("/", 1)[1])
    steps = await steps_of(day, panel_id)
    assert [s.kind for s in steps] == [
        "survey",
        "info",
        "discussion",
        "questions",
        "info",
        "vote",
        "survey",
        "results",
    ]
    assert steps[0].title == "Spørjeskjema før diskusjonen"
    async with day.services.db.reading() as session:
        labels = list(
            await session.scalars(
                select(PanelTable.label)
                .where(PanelTable.panel_id == panel_id)
                .order_by(PanelTable.position)
            )
        )
    assert labels == ["Bord 1", "Bord 2", "Bord 3", "Bord 4"]


async def test_the_setup_page_shows_the_join_code_qr_and_the_three_links(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    page = await organiser.get(f"/panels/{panel.id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert f"{panel.code[:3]} {panel.code[3:]}" in text
    assert "<svg" in page.text and 'class="segno"' in page.text
    assert f"/j/{panel.code}" in text
    assert f"/panels/{panel.id}/run" in text
    assert f"/d/{panel.display_token}" in text


async def test_facilitators_see_only_the_panels_they_belong_to(day: Day) -> None:
    mine = await day.panel(title="Mine")
    await day.panel(title="Someone else's")
    facilitator = await day.staff("facilitator", mine)
    listing = text_of((await facilitator.get("/panels")).text)
    assert "Mine" in listing and "Someone else's" not in listing
    organiser = await day.staff("organiser")
    everything = text_of((await organiser.get("/panels")).text)
    assert "Mine" in everything and "Someone else's" in everything


async def test_facilitators_may_look_at_the_setup_page_but_not_change_it(day: Day) -> None:
    panel = await day.panel()
    facilitator = await day.staff("facilitator", panel)
    page = await facilitator.get(f"/panels/{panel.id}")
    assert page.status_code == 200 and "Save step" not in page.text
    refused = await facilitator.post(
        f"/panels/{panel.id}/text", {"title": "Mine now", "language": "en"}
    )
    assert refused.status_code == 403


async def test_step_text_is_markdown_rendered_safely(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    step = (await steps_of(day, panel.id))[1]
    body = "# Fakta\n\n**Viktig** <script>alert(1)</script> [klikk](javascript:alert(2))"
    response = await organiser.post(
        f"/panels/{panel.id}/steps/{step.id}",
        {"kind": "info", "title": "Fakta", "body": body, "timer": "2,5"},
        htmx=False,
    )
    assert response.status_code == 303
    saved = (await steps_of(day, panel.id))[1]
    assert saved.revision == 2 and saved.timer_seconds == 150
    from server.render import markdown

    html = str(markdown(saved.body))
    assert "<strong>Viktig</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


async def test_steps_can_be_added_moved_and_deleted(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await organiser.post(
        f"/panels/{panel.id}/steps", {"kind": "info", "title": "Kaffe", "body": "", "timer": "15"}
    )
    steps = await steps_of(day, panel.id)
    assert steps[-1].title == "Kaffe" and len(steps) == 9
    await organiser.post(f"/panels/{panel.id}/steps/{steps[-1].id}/move", {"direction": "up"})
    assert [s.title for s in await steps_of(day, panel.id)][-2] == "Kaffe"
    first = steps[0]
    await organiser.post(f"/panels/{panel.id}/steps/{first.id}/delete")
    assert first.id not in [s.id for s in await steps_of(day, panel.id)]


async def test_the_open_step_cannot_be_deleted_and_nothing_changes(day: Day) -> None:
    panel = await day.panel()
    facilitator = await day.staff("facilitator", panel)
    await facilitator.post(f"/panels/{panel.id}/agenda/start")
    organiser = await day.staff("organiser")
    first = (await steps_of(day, panel.id))[0]
    before = await day.audit_count(panel.id)
    response = await organiser.post(f"/panels/{panel.id}/steps/{first.id}/delete")
    assert response.status_code == 409
    assert "open step cannot be deleted" in text_of(response.text)
    assert await day.audit_count(panel.id) == before
    assert len(await steps_of(day, panel.id)) == 8


async def test_tables_can_be_added_and_empty_ones_removed(day: Day) -> None:
    panel = await day.panel(tables=2)
    organiser = await day.staff("organiser")
    await organiser.post(f"/panels/{panel.id}/tables", {"count": "4"})
    await day.phone(panel)  # sits at table 1
    await organiser.post(f"/panels/{panel.id}/tables", {"count": "1"})
    async with day.services.db.reading() as session:
        tables = list(
            await session.scalars(select(PanelTable).where(PanelTable.panel_id == panel.id))
        )
    assert len(tables) == 1
    refused = await organiser.post(f"/panels/{panel.id}/tables", {"count": "0"})
    assert refused.status_code == 409 and "between 1 and 200" in text_of(refused.text)


async def test_a_panel_is_opened_for_joining_from_the_setup_page(day: Day) -> None:
    panel = await day.panel(open=False)
    organiser = await day.staff("organiser")
    response = await organiser.post(f"/panels/{panel.id}/open", htmx=False)
    assert response.status_code == 303
    async with day.services.db.reading() as session:
        row = await session.get(Panel, panel.id)
    assert row is not None and row.status == "lobby"
    phone = await day.phone(panel)
    assert (await phone.get(f"/p/{panel.id}")).status_code == 200


async def test_a_renewed_display_link_replaces_the_old_one(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    projector = day.person()
    assert (await projector.get(f"/d/{panel.display_token}")).status_code == 200
    await organiser.post(f"/panels/{panel.id}/display-link")
    assert (await projector.get(f"/d/{panel.display_token}")).status_code == 404
    fresh = await day.info(panel.id)
    assert (await projector.get(f"/d/{fresh.display_token}")).status_code == 200


async def test_a_refusal_without_a_page_to_go_back_to_is_shown_where_the_form_was_sent(
    day: Day,
) -> None:
    """Some privacy tools strip the Referer; the reason must still reach the organiser."""
    panel = await day.panel()
    organiser = await day.staff("organiser")
    response = await organiser.post(
        f"/panels/{panel.id}/proposals", {"title": "   ", "description": ""}, htmx=False
    )
    assert response.status_code == 409
    assert "A proposal needs a title." in text_of(response.text)
