"""The panel's voice in the report and the export, and back through an import."""

from __future__ import annotations

import json

from sqlalchemy import select

from server.db.models import QuestionRow
from server.ops import agenda
from server.ops.events import SYSTEM
from server.reporting.record import load_record
from tests.support.day import Day, PanelInfo, text_of
from tests.support.deliberation import open_step
from tests.support.people import Person
from tests.support.recommendations import open_recommendations, seats, stored
from tests.web.test_export_import import elsewhere, unzip, upload
from tests.web.test_report import main_text

__all__ = ["elsewhere"]  # the fixture of a second, empty server


async def a_panel_that_spoke(day: Day) -> tuple[PanelInfo, Person]:
    """Questions with a fair slate, then a recommendation amended, adopted and answered."""
    panel = await day.panel(tables=2)
    await open_step(day, panel, "questions")
    phones = [await day.phone(panel) for _ in range(4)]
    tables = await seats(day, panel)
    lead = await day.staff("facilitator", panel)
    for phone, text in zip(phones[:2], ("Cost?", "Noise?"), strict=True):
        await phone.post(f"/p/{panel.id}/questions", {"text": text})
    async with day.services.db.reading() as session:
        questions = list(await session.scalars(select(QuestionRow).order_by(QuestionRow.id)))
    for phone, q in zip(phones[:2], questions, strict=True):
        await phone.post(f"/p/{panel.id}/questions/{q.id}/send")
        await lead.post(f"/panels/{panel.id}/questions/{q.id}/approve")
    await lead.post(f"/panels/{panel.id}/slate", {"k": "1", "rule": "pav"})
    await lead.post(
        f"/panels/{panel.id}/slate/override",
        {"chosen": [str(questions[1].id)], "reason": "The experts asked for it"},
    )

    await open_recommendations(day, panel, adoption_rule="majority", minority_signing="table")
    await phones[0].post(
        f"/p/{panel.id}/recommendations", {"title": "Buses", "text": "Buses every ten minutes."}
    )
    [rec] = await stored(day)
    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    await phones[1].post(
        f"/p/{panel.id}/recommendations/{rec.id}/amend",
        {"text": "Buses every five minutes.", "base_version": "1"},
    )
    await phones[1].post(
        f"/p/{panel.id}/recommendations/{rec.id}/amend",
        {"text": "Free buses.", "base_version": "1"},
    )
    async with day.services.db.reading() as session:
        from server.db.models_recommendations import AmendmentRow

        quicker, free = list(await session.scalars(select(AmendmentRow).order_by(AmendmentRow.id)))
    await lead.post(
        f"/panels/{panel.id}/amendments/{quicker.id}/decide",
        {"decision": "accept", "reason": "Everyone nodded"},
    )
    await lead.post(f"/panels/{panel.id}/amendments/{free.id}/open_vote")
    await phones[2].post(f"/p/{panel.id}/amendments/{free.id}/vote", {"choice": "no"})
    await lead.post(f"/panels/{panel.id}/amendments/{free.id}/close_vote")
    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    for phone, level in zip(phones, ("full", "full", "live_with", "cannot"), strict=True):
        await phone.post(f"/p/{panel.id}/recommendations/{rec.id}/support", {"level": level})
    await phones[3].post(
        f"/p/{panel.id}/recommendations/{rec.id}/minority", {"text": "Trams, not buses."}
    )
    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    organiser = await day.staff("organiser")
    await organiser.post(
        f"/panels/{panel.id}/council/{rec.id}",
        {
            "status": "under_consideration",
            "reason": "In the budget talks.",
            "decided_on": "2026-06-01",
        },
    )
    await agenda.transition(day.services.units, panel.id, SYSTEM, "close")
    assert tables  # seated round the two tables
    return panel, organiser


async def test_the_report_tells_how_each_recommendation_and_the_slate_came_about(
    day: Day,
) -> None:
    panel, organiser = await a_panel_that_spoke(day)
    report = text_of((await organiser.get(f"/panels/{panel.id}/report")).text)
    appendix = report.split("Appendix: the panel's recommendations", 2)[2]
    for expected in (
        "R1. Buses",
        "Buses every five minutes.",
        "Adopted by the panel",
        "More than half support",
        "75% support",
        "4 answered",
        "Drafted: Buses every ten minutes.",
        "Amended: Buses every five minutes.",
        "by the facilitator: Everyone nodded",
        "Free buses.",
        "by a quick vote: yes 0, no 1",
        "Trams, not buses.",
        "Under consideration",
        "In the budget talks.",
        "by this rule: Proportional approval voting",
        "Noise?",
        "The facilitator changed the rule's choice (Cost?). Reason: The experts asked for it",
        "/follow/",
    ):
        assert expected in appendix, expected
    levels = appendix.split("Levels of support", 1)[1]
    assert levels.startswith(" Fully support 2 Support with reservations 0 Can live with it 1")


async def test_export_then_import_keeps_the_recommendations_the_slate_and_the_answers(
    day: Day, elsewhere: Day
) -> None:
    panel, organiser = await a_panel_that_spoke(day)
    data = (await organiser.get(f"/panels/{panel.id}/export.zip")).content
    voice = json.loads(unzip(data)["panel.json"])["voice"]
    [rec] = voice["recommendations"]
    assert [v["cause"] for v in rec["versions"]] == ["drafted", "amended"]
    assert rec["support"]["counts"] == [2, 0, 1, 0, 1]
    assert rec["statements"] == [
        {"text": "Trams, not buses.", "table": rec["statements"][0]["table"]}
    ]
    assert "participant" not in json.dumps(voice)
    assert voice["slates"][-1]["override_reason"] == "The experts asked for it"

    archivist = await elsewhere.staff("organiser")
    response = await upload(archivist, "/panels/import", "archive", "export.zip", data)
    assert response.status_code == 303, response.text
    imported = int(response.headers["location"].rsplit("/", 1)[1])
    async with day.services.db.reading() as session:
        before = await load_record(session, panel.id)
    async with elsewhere.services.db.reading() as session:
        after = await load_record(session, imported)
    assert after.voice == before.voice and after.voice.recommendations
    assert after == before

    def without_address(text: str) -> str:
        return text.split("/follow/", 1)[0] + text.split("/follow/", 1)[1].split(" ", 1)[1]

    original = main_text((await organiser.get(f"/panels/{panel.id}/report")).text)
    copy = main_text((await archivist.get(f"/panels/{imported}/report")).text)
    assert without_address(copy) == without_address(original)
    council = (await archivist.get(f"/panels/{imported}/council")).text
    follow = council.split("/follow/", 1)[1].split('"', 1)[0]
    page = text_of((await elsewhere.person().get(f"/follow/{follow}")).text)
    assert "In the budget talks." in page and "Trams, not buses." in page


async def test_an_export_whose_recommendations_do_not_hold_together_is_refused(
    day: Day, elsewhere: Day
) -> None:
    panel, organiser = await a_panel_that_spoke(day)
    data = (await organiser.get(f"/panels/{panel.id}/export.zip")).content
    files = unzip(data)
    meta = json.loads(files["panel.json"])
    meta["voice"]["recommendations"][0]["step"] = 1  # not a recommendations step
    from tests.web.test_export_import import with_file

    broken = with_file(data, "panel.json", json.dumps(meta).encode())
    archivist = await elsewhere.staff("organiser")
    response = await upload(archivist, "/panels/import", "archive", "export.zip", broken)
    assert response.status_code == 400
    assert "The recommendations in the file do not hold together" in text_of(response.text)
