"""A panel's definition as YAML: exported, edited by hand, imported as a new draft."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from server.db.models import Panel
from server.ops import surveys
from server.ops.events import SYSTEM
from server.reporting.record import load_record
from tests.support.day import Day
from tests.support.people import Person
from tests.support.reporting import council_panel
from tests.support.surveys import at_home, steps_of, with_surveys


async def post_definition(person: Person, text: str | bytes) -> object:
    if not person.csrf:
        await person.get("/panels/import")
    data = text.encode() if isinstance(text, str) else text
    return await person.http.post(
        "/panels/import-definition",
        data={"csrf_token": person.csrf},
        files={"definition": ("panel.yaml", data, "application/yaml")},
    )


async def panel_count(day: Day) -> int:
    async with day.services.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Panel)) or 0)


async def test_a_panel_is_reused_as_a_template_through_its_yaml(day: Day) -> None:
    facts = await council_panel(day)
    organiser = await day.staff("organiser")
    response = await organiser.get(f"/panels/{facts.info.id}/definition.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    text = response.text
    assert "format: borgerpanel-definition" in text and "question: Should the city" in text
    assert "vote_revealed" not in text  # the state of the day is not part of a template

    created = await post_definition(organiser, text)
    assert created.status_code == 303  # type: ignore[attr-defined]
    new_id = int(created.headers["location"].rsplit("/", 1)[1])  # type: ignore[attr-defined]
    async with day.services.db.reading() as session:
        original = await load_record(session, facts.info.id)
        copy = await load_record(session, new_id)
    assert copy.status == "draft"
    assert copy.definition.to_dict() == original.definition.to_dict()
    assert not copy.respondents and not copy.answers and not copy.arguments and not copy.ballots
    assert [vote.frozen for vote in copy.votes] == [None, None]
    setup = await organiser.get(f"/panels/{new_id}")
    assert "A new draft panel was made from the definition." in setup.text


def edited(change: str) -> str:
    base = {
        "format": "borgerpanel-definition",
        "version": 1,
        "title": "Mal",
        "question": "Hva mener du?",
        "language": "nb",
        "tables": ["Bord 1", "Bord 2"],
        "proposals": [{"title": "Bilfritt sentrum", "description": ""}],
        "steps": [
            {"kind": "info", "title": "Velkommen", "body": "", "timer_seconds": 0, "settings": {}},
            {
                "kind": "discussion",
                "title": "Bordsamtale",
                "body": "",
                "timer_seconds": 600,
                "settings": {"proposals": [1]},
            },
        ],
    }
    if change == "unknown setting":
        base["steps"][0]["settings"] = {"colour": "red"}  # type: ignore[index]
    elif change == "missing proposal":
        base["steps"][1]["settings"] = {"proposals": [1, 9]}  # type: ignore[index]
    elif change == "bad item":
        base["steps"].append(  # type: ignore[attr-defined]
            {
                "kind": "survey",
                "title": "Før",
                "settings": {
                    "wave": "T1",
                    "items": [{"key": "q1", "kind": "opinion", "wave": "T1", "question": "?"}],
                },
            }
        )
    elif change == "bad language":
        base["language"] = "sv"
    return yaml.safe_dump(base, allow_unicode=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown setting", "Step 1: Unknown setting for this kind of step: colour."),
        ("missing proposal", "Step 2: There is no proposal 9."),
        ("bad item", "Step 3: Question 1: An opinion scale needs a label at 0 and at 10."),
        ("bad language", "The panel: Choose Norwegian bokmål, Norwegian nynorsk or English."),
    ],
)
async def test_a_definition_with_a_mistake_is_refused_saying_where(
    day: Day, change: str, message: str
) -> None:
    organiser = await day.staff("organiser")
    count = await panel_count(day)
    response = await post_definition(organiser, edited(change))
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.text  # type: ignore[attr-defined]
    assert await panel_count(day) == count
    good = await post_definition(organiser, edited("none"))
    assert good.status_code == 303  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1]\nb: *x\n", "The file uses YAML aliases"),
        ("title: [unclosed\n", "The file is not valid YAML (line"),
        ("- just\n- a list\n", "The file does not hold a panel definition."),
    ],
)
async def test_a_file_that_is_not_a_definition_is_refused(
    day: Day, text: str, message: str
) -> None:
    organiser = await day.staff("organiser")
    response = await post_definition(organiser, text)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.text  # type: ignore[attr-defined]


async def test_surveys_made_in_the_editor_travel_with_every_setting(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, after = await with_surveys(day, panel, organiser)
    await at_home(day, panel, organiser, before, after)
    results = (await steps_of(day, panel, "results"))[0]
    await surveys.show_results(day.services.units, panel.id, SYSTEM, results, ["cars"])
    text = (await organiser.get(f"/panels/{panel.id}/definition.yaml")).text
    assert "at_home: true" in text and "opinion_items:" in text and "pairs_with: cars" in text
    created = await post_definition(organiser, text)
    assert created.status_code == 303, created.text  # type: ignore[attr-defined]
    new_id = int(created.headers["location"].rsplit("/", 1)[1])  # type: ignore[attr-defined]
    exported = (await organiser.get(f"/panels/{panel.id}/export.zip")).content
    await organiser.get("/panels/import")
    imported = await organiser.http.post(
        "/panels/import",
        data={"csrf_token": organiser.csrf},
        files={"archive": ("export.zip", exported, "application/zip")},
    )
    assert imported.status_code == 303, imported.text
    copy_id = int(imported.headers["location"].rsplit("/", 1)[1])
    async with day.services.db.reading() as session:
        original = (await load_record(session, panel.id)).definition
        template = (await load_record(session, new_id)).definition
        copy = (await load_record(session, copy_id)).definition
    assert template.to_dict() == original.to_dict()
    assert copy == original
