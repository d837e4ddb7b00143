"""Uploading the targets and the pool: every problem named with its line, nothing half-imported."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.db.models import AuditEvent
from server.db.models_recruitment import Recruit, RecruitContact, Recruitment
from tests.support.day import Day, PanelInfo, text_of
from tests.support.people import Person
from tests.support.recruitment import upload

TARGETS = b"feature,value,min,max\ngender,female,1,2\ngender,male,1,2\nage,young,1,2\nage,old,1,2\n"
PEOPLE = (
    "id,name,email,gender,age,language\n"
    "p1,Kari Nordmann,kari@example.org,female,young,norsk\n"
    "p2,Ola Nordmann,ola@example.org,Male,old,norsk\n"
    "p3,Åse Ødegård,ase@example.org,female,old,English\n"
)


async def _counts(day: Day, panel: PanelInfo) -> tuple[int, int, int]:
    async with day.services.db.reading() as session:
        recruits = await session.scalar(select(func.count()).where(Recruit.panel_id == panel.id))
        contacts = await session.scalar(
            select(func.count()).where(RecruitContact.panel_id == panel.id)
        )
        events = await session.scalar(select(func.count()).where(AuditEvent.panel_id == panel.id))
    return int(recruits or 0), int(contacts or 0), int(events or 0)


async def _ready(day: Day) -> tuple[PanelInfo, Person]:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    response = await upload(organiser, panel, "targets", TARGETS, "targets.csv", panel_size="3")
    assert response.status_code == 303, response.text
    return panel, organiser


async def test_the_pool_is_imported_with_contacts_kept_in_their_own_table(day: Day) -> None:
    panel, organiser = await _ready(day)
    response = await upload(
        organiser, panel, "pool", PEOPLE.encode(), "people.csv", extra_columns="language"
    )
    assert response.status_code == 303, response.text
    async with day.services.db.reading() as session:
        recruits = list(await session.scalars(select(Recruit).order_by(Recruit.external_id)))
        contacts = {c.recruit_id: c.data for c in await session.scalars(select(RecruitContact))}
        events = [e.data for e in await session.scalars(select(AuditEvent))]
        recruitment = await session.get(Recruitment, panel.id)
    assert [(r.external_id, r.features, r.extras) for r in recruits] == [
        ("p1", {"gender": "female", "age": "young"}, {"language": "norsk"}),
        ("p2", {"gender": "male", "age": "old"}, {"language": "norsk"}),
        ("p3", {"gender": "female", "age": "old"}, {"language": "English"}),
    ]
    assert contacts[recruits[2].id] == {"name": "Åse Ødegård", "email": "ase@example.org"}
    assert recruitment is not None and recruitment.contact_columns == ["name", "email"]
    assert "kari@example.org" not in repr(events) and "Kari" not in repr(events)
    listing = text_of((await organiser.get(f"/panels/{panel.id}/recruitment/people")).text)
    assert "kari@example.org" in listing and "Åse Ødegård" in listing


BROKEN = {
    "missing column": (
        b"id,name,gender\np1,Kari,female\n",
        "Line 1: the column age is missing.",
    ),
    "unknown category value": (
        b"id,name,gender,age\np1,Kari,female,young\np2,Ola,robot,old\n",
        "Line 3, column gender: robot is not a value of gender in the targets file",
    ),
    "duplicate id": (
        b"id,name,gender,age\np1,Kari,female,young\np2,Ola,male,old\np1,Per,male,old\n",
        "Line 4, column id: the id p1 is used twice (first on line 2).",
    ),
    "wrong encoding": (
        "id,name,gender,age\np1,Kari,female,young\np2,Åse,female,old\n".encode("cp1252"),
        "Line 3, column 4: this is not UTF-8 text",
    ),
    "empty file": (b"", "Line 1: the file is empty."),
    "only blank lines": (b"\r\n\r\n", "Line 1: the file is empty."),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
async def test_a_broken_people_file_names_the_line_and_imports_nothing(day: Day, case: str) -> None:
    panel, organiser = await _ready(day)
    good = await upload(organiser, panel, "pool", PEOPLE.encode(), "people.csv")
    assert good.status_code == 303
    before = await _counts(day, panel)
    data, message = BROKEN[case]
    response = await upload(organiser, panel, "pool", data, "broken.csv")
    assert response.status_code == 422
    shown = text_of(response.text)
    assert message in shown, shown[:2000]
    assert "Nothing was imported" in shown
    assert await _counts(day, panel) == before  # the earlier pool stands, untouched
    async with day.services.db.reading() as session:
        ids = list(await session.scalars(select(Recruit.external_id).order_by(Recruit.id)))
    assert ids == ["p1", "p2", "p3"]


async def test_every_problem_in_a_file_is_reported_at_once(day: Day) -> None:
    panel, organiser = await _ready(day)
    data = b"id,gender,age\np1,female,young\np1,male,ancient\n,female,old\n"
    response = await upload(organiser, panel, "pool", data, "people.csv")
    shown = text_of(response.text)
    assert response.status_code == 422
    assert "the file has 3 problems" in shown
    assert "Line 3, column id: the id p1 is used twice" in shown
    assert "Line 3, column age: ancient is not a value of age" in shown
    assert "Line 4, column id: this cell is empty." in shown
    assert (await _counts(day, panel))[0] == 0


async def test_broken_targets_are_named_by_line_and_change_nothing(day: Day) -> None:
    panel, organiser = await _ready(day)
    before = await _counts(day, panel)
    response = await upload(
        organiser,
        panel,
        "targets",
        b"feature,value,min,max\ngender,female,3,1\ngender,male,x,2\n",
        "targets.csv",
        panel_size="3",
    )
    shown = text_of(response.text)
    assert response.status_code == 422
    assert "Line 2: the min (3) is more than the max (1)." in shown
    assert "Line 3, column min: x is not a whole number." in shown
    assert await _counts(day, panel) == before
    async with day.services.db.reading() as session:
        recruitment = await session.get(Recruitment, panel.id)
    assert recruitment is not None and recruitment.targets[0][0] == "gender"
    assert recruitment.targets[0][1][0][1:3] == [1, 2]


async def test_targets_that_no_panel_of_that_size_can_meet_are_refused(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    response = await upload(organiser, panel, "targets", TARGETS, "targets.csv", panel_size="9")
    assert response.status_code == 422
    assert "The maximums for gender add up to 4, fewer than the panel of 9." in text_of(
        response.text
    )


async def test_population_shares_become_targets_for_the_panel_size(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    shares = b"feature;value;share\nage;young;22,5 %\nage;old;77,5 %\n"
    response = await upload(organiser, panel, "targets", shares, "shares.csv", panel_size="40")
    assert response.status_code == 303, response.text
    async with day.services.db.reading() as session:
        recruitment = await session.get(Recruitment, panel.id)
    assert recruitment is not None
    assert recruitment.targets == [["age", [["young", 9, 9, 0, 40], ["old", 31, 31, 0, 40]]]]
    assert recruitment.shares == [["age", [["young", "9/40"], ["old", "31/40"]]]]


async def test_new_targets_must_fit_the_pool_already_uploaded(day: Day) -> None:
    panel, organiser = await _ready(day)
    await upload(organiser, panel, "pool", PEOPLE.encode(), "people.csv")
    changed = (
        b"feature,value,min,max\ngender,Female,1,3\ngender,other,0,3\nage,young,0,3\nage,old,0,3\n"
    )
    response = await upload(organiser, panel, "targets", changed, "t.csv", panel_size="3")
    assert response.status_code == 422
    assert "1 people in the pool have gender: male, which the new targets do not list." in (
        text_of(response.text)
    )
    fitting = changed + b"gender,MALE,0,3\n"
    response = await upload(organiser, panel, "targets", fitting, "t.csv", panel_size="3")
    assert response.status_code == 303, response.text
    async with day.services.db.reading() as session:
        values = sorted(r.features["gender"] for r in await session.scalars(select(Recruit)))
    assert values == ["Female", "Female", "MALE"]  # the pool follows the targets' spelling


async def test_the_pool_needs_targets_and_a_file(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    response = await upload(organiser, panel, "pool", PEOPLE.encode(), "people.csv")
    assert response.status_code == 303  # refused: back to the page with the reason
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment")).text)
    assert "Upload the targets first" in page
    await upload(organiser, panel, "targets", TARGETS, "targets.csv", panel_size="3")
    no_file = await organiser.post(f"/panels/{panel.id}/recruitment/pool", {"id_column": "id"})
    assert no_file.status_code == 409 and "Choose a CSV file" in text_of(no_file.text)


WITH_ADDRESSES = (
    "id,name,E-mail address,gender,age,Adresse\n"
    "p1,Kari Nordmann,kari@example.org,female,young,Storgata 1\n"
    "p2,Ola Nordmann,ola@example.org,male,old,storgata 1\n"
    "p3,Åse Ødegård,ase@example.org,female,old,Fjellveien 2\n"
)


async def _households(day: Day, panel: PanelInfo) -> tuple[str | None, list[str | None]]:
    async with day.services.db.reading() as session:
        recruitment = await session.get(Recruitment, panel.id)
        recruits = await session.scalars(select(Recruit).order_by(Recruit.external_id))
        households = [r.household for r in recruits]
    assert recruitment is not None
    return recruitment.household_column, households


async def test_the_household_rule_is_on_by_default_with_the_address_column_found(
    day: Day,
) -> None:
    panel, organiser = await _ready(day)
    page = (await organiser.get(f"/panels/{panel.id}/recruitment")).text
    assert 'name="household_rule" value="on" checked' in page  # on unless turned off
    assert 'name="household_rule" value="off" >' in page
    response = await upload(organiser, panel, "pool", WITH_ADDRESSES.encode(), "people.csv")
    assert response.status_code == 303, response.text
    column, households = await _households(day, panel)
    assert column == "Adresse"  # not "E-mail address"
    assert households[0] is not None and households[0] == households[1] != households[2]
    text = text_of((await organiser.get(f"/panels/{panel.id}/recruitment")).text)
    assert "At most one person per household (column Adresse)." in text


async def test_turning_the_household_rule_off_is_a_choice_the_page_shows(day: Day) -> None:
    panel, organiser = await _ready(day)
    response = await upload(
        organiser, panel, "pool", WITH_ADDRESSES.encode(), "people.csv", household_rule="off"
    )
    assert response.status_code == 303, response.text
    assert await _households(day, panel) == (None, [None, None, None])
    page = (await organiser.get(f"/panels/{panel.id}/recruitment")).text
    assert "No household rule: people who live together may both be drawn." in text_of(page)
    assert 'name="household_rule" value="off" checked' in page  # the choice is kept
