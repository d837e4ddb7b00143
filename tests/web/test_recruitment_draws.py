"""The draw as a background job: upload → draw → result, test draws, advice, replacements."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from sqlalchemy import select

from facilitation.recruitment.draw import DrawRequest, panel_problems
from facilitation.recruitment.drawing import run_draw
from facilitation.recruitment.files import parse_people, parse_shares
from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from facilitation.recruitment.targets import targets_from_shares
from server.db.models import AuditEvent
from tests.support.day import Day, text_of
from tests.support.recruitment import (
    codes_by_external_id,
    confirm_everyone_and_issue_codes,
    join_with_code,
    recruits,
    start_draw,
    upload,
    upload_synthetic,
    wait_for_draw,
)


async def test_an_uploaded_pool_is_drawn_in_the_background_and_can_be_replayed(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=150, size=15, seed=3)
    draw_id = await start_draw(organiser, panel, seed=2022)
    draw = await wait_for_draw(day, draw_id)
    assert draw.state == "finished", draw.failure
    assert (draw.seed, draw.algorithm, draw.kind, draw.test) == (2022, "maximin", "draw", False)
    assert draw.library_version == "0.12.15" and draw.solver_version

    selected = sorted(r.external_id for r in await recruits(day, panel) if r.status == "selected")
    assert len(selected) == 15 and selected == sorted(draw.result["selected"])

    # An observer with the same files, seed and algorithm gets the same panel.
    targets = targets_from_shares(parse_shares(synthetic_shares_csv()), 15)
    pool = parse_people(synthetic_people_csv(150, seed=3), targets, household_column="address")
    replay = run_draw(DrawRequest(targets, pool.registrants, 15, seed=2022))
    assert sorted(replay.selected) == selected
    assert replay.inputs_digest == draw.inputs_digest
    assert panel_problems(targets, pool.registrants, selected) == []

    inputs = await organiser.get(f"/panels/{panel.id}/recruitment/draws/{draw_id}/inputs.json")
    assert hashlib.sha256(inputs.content).hexdigest() == draw.inputs_digest

    # Every pool member's chance, on the page and in the file.
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment/draws/{draw_id}")).text)
    assert "15 people were selected." in page and "2022" in page and draw.inputs_digest in page
    assert page.count(" %") >= 150
    result = await organiser.get(f"/panels/{panel.id}/recruitment/draws/{draw_id}/result.csv")
    rows = list(csv.DictReader(io.StringIO(result.content.decode("utf-8-sig"))))
    assert len(rows) == 150
    assert abs(sum(float(row["probability"]) for row in rows) - 15) < 1e-4
    assert sorted(row["id"] for row in rows if row["selected"] == "1") == selected

    async with day.services.db.reading() as session:
        actions = list(
            await session.scalars(select(AuditEvent.action).where(AuditEvent.panel_id == panel.id))
        )
    assert "recruitment.draw_start" in actions and "recruitment.draw" in actions


async def test_a_test_draw_is_flagged_and_changes_nobody(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=120, size=12)
    draw_id = await start_draw(organiser, panel, test=True)
    draw = await wait_for_draw(day, draw_id)
    assert draw.state == "finished" and draw.test
    assert len(draw.result["selected"]) == 12
    assert {r.status for r in await recruits(day, panel)} == {"pool"}
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment")).text)
    assert "Test draw: does not count" in page
    assert "12 people would have been selected. Nobody's status changed." in page
    # It did not count: the pool may still be replaced, and the next draw is the first.
    await upload_synthetic(organiser, panel, pool=130, size=12, seed=4)
    second = await wait_for_draw(day, await start_draw(organiser, panel))
    assert second.kind == "draw" and second.state == "finished"
    assert sum(1 for r in await recruits(day, panel) if r.status == "selected") == 12


async def test_infeasible_targets_come_with_the_suggested_relaxation_in_plain_words(
    day: Day,
) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    targets = (
        b"feature,value,min,max\ngender,female,0,4\ngender,male,0,4\ngender,other,3,4\n"
        b"age,young,0,4\nage,old,0,4\n"
    )
    people = (
        b"id,gender,age\n"
        b"a,female,young\nb,female,old\nc,male,young\nd,male,old\ne,other,old\nf,female,old\n"
    )
    assert (await upload(organiser, panel, "targets", targets, panel_size="4")).status_code == 303
    assert (await upload(organiser, panel, "pool", people)).status_code == 303
    draw = await wait_for_draw(day, await start_draw(organiser, panel))
    assert draw.state == "failed"
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment/draws/{draw.id}")).text)
    assert "No panel from this pool can meet all the targets." in page
    assert "Lower the minimum for gender: other from 3 to 1." in page
    assert {r.status for r in await recruits(day, panel)} == {"pool"}


async def test_a_replacement_draw_fills_the_freed_seats_and_keeps_the_targets(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=200, size=16, seed=11)
    first = await wait_for_draw(day, await start_draw(organiser, panel, seed=7))
    assert first.state == "finished"
    split = await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "panel", "strata": ["gender", "age"], "control_percent": "50", "seed": "3"},
    )
    assert split.status_code == 200, split.text
    drawn = [r for r in await recruits(day, panel) if r.status == "selected"]
    leaving = drawn[:3]
    for person in leaving:
        response = await organiser.post(
            f"/panels/{panel.id}/recruitment/people/{person.id}/status", {"status": "withdrawn"}
        )
        assert response.status_code == 200, response.text
    for person in drawn[3:10]:
        await organiser.post(
            f"/panels/{panel.id}/recruitment/people/{person.id}/status", {"status": "confirmed"}
        )
    replacement = await wait_for_draw(day, await start_draw(organiser, panel, seed=8))
    assert replacement.state == "finished", replacement.failure
    assert (replacement.kind, replacement.seats) == ("replacement", 3)

    everyone = await recruits(day, panel)
    holding = [r for r in everyone if r.status in ("selected", "confirmed")]
    assert len(holding) == 16
    assert {r.external_id for r in leaving}.isdisjoint(r.external_id for r in holding)
    targets = targets_from_shares(parse_shares(synthetic_shares_csv()), 16)
    pool = parse_people(synthetic_people_csv(200, seed=11), targets, household_column="address")
    assert panel_problems(targets, pool.registrants, [r.external_id for r in holding]) == []
    # The replacements joined the arms so that the control group keeps its half.
    assert all(r.arm in ("participant", "control") for r in holding)
    assert sum(1 for r in holding if r.arm == "control") == 8


async def test_the_pool_cannot_be_replaced_once_people_are_drawn(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=100, size=10)
    await wait_for_draw(day, await start_draw(organiser, panel))
    response = await upload(
        organiser, panel, "pool", synthetic_people_csv(100, seed=9), household_column="address"
    )
    assert response.status_code == 303
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment")).text)
    assert "People have already been drawn from this pool" in page
    again = await organiser.post(
        f"/panels/{panel.id}/recruitment/draws", {"algorithm": "maximin", "seed": "1"}
    )
    assert again.status_code == 409
    assert "Every seat of the panel is taken" in text_of(again.text)


@pytest.mark.postgres
async def test_the_whole_recruitment_runs_on_postgresql(pg_day: Day) -> None:
    panel = await pg_day.panel(tables=2)
    organiser = await pg_day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=100, size=10, seed=2)
    draw = await wait_for_draw(pg_day, await start_draw(organiser, panel, seed=3))
    assert draw.state == "finished", draw.failure
    await confirm_everyone_and_issue_codes(pg_day, organiser, panel)
    for code in (await codes_by_external_id(pg_day, panel)).values():
        await join_with_code(pg_day, code)
    response = await organiser.post(
        f"/panels/{panel.id}/seating/plans", {"diversify": ["gender", "age"], "seed": "1"}
    )
    assert response.status_code == 200, response.text
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment")).text)
    assert "present today with an invite code: 10 (of 10 joined)" in page
