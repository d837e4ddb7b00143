"""After the draw: confirmations, the control group, invite codes, letters and the mail merge."""

from __future__ import annotations

import csv
import io
from collections import Counter

from sqlalchemy import select

from facilitation.recruitment.invites import normalise_invite_code
from server.db.models import Invite, Participant
from server.db.models_recruitment import Recruit
from server.read.demographics import demographics
from tests.support.day import Day, PanelInfo, text_of
from tests.support.people import Person
from tests.support.recruitment import recruits, start_draw, upload_synthetic, wait_for_draw


async def _drawn(day: Day, *, pool: int = 200, size: int = 20) -> tuple[PanelInfo, Person]:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=pool, size=size, seed=5)
    draw = await wait_for_draw(day, await start_draw(organiser, panel, seed=9))
    assert draw.state == "finished", draw.failure
    return panel, organiser


async def _set(organiser: Person, panel: PanelInfo, person: Recruit, status: str) -> str:
    response = await organiser.post(
        f"/panels/{panel.id}/recruitment/people/{person.id}/status", {"status": status}
    )
    return f"{response.status_code} {text_of(response.text)}"


async def _invites(day: Day, panel: PanelInfo) -> list[Invite]:
    async with day.services.db.reading() as session:
        return list(await session.scalars(select(Invite).where(Invite.panel_id == panel.id)))


async def test_confirmations_and_withdrawals_are_recorded_and_can_be_undone(day: Day) -> None:
    panel, organiser = await _drawn(day, pool=100, size=10)
    drawn = [r for r in await recruits(day, panel) if r.status == "selected"]
    assert (await _set(organiser, panel, drawn[0], "confirmed")).startswith("200")
    assert (await _set(organiser, panel, drawn[1], "withdrawn")).startswith("200")
    assert (await _set(organiser, panel, drawn[1], "selected")).startswith("200")  # undo
    assert "not possible" in await _set(organiser, panel, drawn[0], "pool")
    undrawn = next(r for r in await recruits(day, panel) if r.status == "pool")
    assert "not drawn" in await _set(organiser, panel, undrawn, "confirmed")
    statuses = Counter(r.status for r in await recruits(day, panel))
    assert statuses == Counter({"pool": 90, "selected": 9, "confirmed": 1})
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment")).text)
    assert "Selected: 9 · confirmed: 1 · withdrawn: 0." in page


async def test_the_split_is_blocked_on_the_strata_and_shows_its_balance(day: Day) -> None:
    panel, organiser = await _drawn(day)
    response = await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "panel", "strata": ["gender", "age"], "control_percent": "50", "seed": "4"},
    )
    assert response.status_code == 200, response.text
    assert "Split: 10 participants and 10 in the control group." in text_of(response.text)
    panel_members = [r for r in await recruits(day, panel) if r.status == "selected"]
    for feature in ("gender", "age"):
        for value in {r.features[feature] for r in panel_members}:
            arms = Counter(r.arm for r in panel_members if r.features[feature] == value)
            assert abs(arms["participant"] - arms["control"]) <= 2, (feature, value, arms)
    page = text_of((await organiser.get(f"/panels/{panel.id}/recruitment")).text)
    assert "Standardised difference" in page and "seed 4" in page


async def test_invite_codes_go_to_confirmed_participants_and_to_controls(day: Day) -> None:
    panel, organiser = await _drawn(day)
    await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "panel", "strata": ["gender"], "control_percent": "50", "seed": "2"},
    )
    members = [r for r in await recruits(day, panel) if r.status == "selected"]
    participants = [r for r in members if r.arm == "participant"]
    controls = [r for r in members if r.arm == "control"]
    for person in participants[:6]:
        await _set(organiser, panel, person, "confirmed")
    response = await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    assert response.status_code == 200 and "16 invite codes issued." in text_of(response.text)
    invites = await _invites(day, panel)
    by_recruit = {invite.recruit_id: invite for invite in invites}
    assert {by_recruit[r.id].role for r in participants[:6]} == {"participant"}
    assert {by_recruit[r.id].role for r in controls} == {"control"}
    assert all(r.id not in by_recruit for r in participants[6:])  # not confirmed yet
    assert len({i.code for i in invites}) == 16
    assert all(normalise_invite_code(i.code) == i.code for i in invites)
    assert all(len(i.pseudonym) == 16 for i in invites)

    again = await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    assert again.status_code == 409 and "has one" in text_of(again.text)
    await _set(organiser, panel, participants[6], "confirmed")
    await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    assert len(await _invites(day, panel)) == 17
    split_again = await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "panel", "strata": ["gender"], "control_percent": "50"},
    )
    assert split_again.status_code == 409

    # A withdrawn person's unused code stops working.
    await _set(organiser, panel, participants[0], "withdrawn")
    assert participants[0].id not in {i.recruit_id for i in await _invites(day, panel)}


async def test_a_personal_code_joins_the_panel_but_a_control_code_does_not(day: Day) -> None:
    panel, organiser = await _drawn(day)
    await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "panel", "strata": ["gender"], "control_percent": "50", "seed": "2"},
    )
    participant = next(
        r for r in await recruits(day, panel) if r.status == "selected" and r.arm == "participant"
    )
    await _set(organiser, panel, participant, "confirmed")
    await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    codes = {i.role: i for i in await _invites(day, panel)}
    phone = day.person()
    await phone.get("/")
    joined = await phone.post("/join", {"code": codes["participant"].code.lower()}, htmx=False)
    assert joined.status_code == 303 and joined.headers["location"] == f"/p/{panel.id}"
    async with day.services.db.reading() as session:
        seated = await session.scalar(
            select(Participant).where(Participant.invite_id == codes["participant"].id)
        )
    assert seated is not None and seated.table_id is not None
    other = day.person()
    await other.get("/")
    refused = await other.post("/join", {"code": codes["control"].code}, htmx=False)
    assert refused.status_code == 422 and "at home" in text_of(refused.text)


async def test_the_mail_merge_and_the_letters_carry_code_link_and_contacts(day: Day) -> None:
    panel, organiser = await _drawn(day)
    members = [r for r in await recruits(day, panel) if r.status == "selected"]
    for person in members[:5]:
        await _set(organiser, panel, person, "confirmed")
    await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    invites = {i.recruit_id: i for i in await _invites(day, panel)}
    merged = await organiser.get(f"/panels/{panel.id}/recruitment/invites.csv")
    assert merged.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(merged.content.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "id",
        "role",
        "invite_code",
        "link",
        "name",
        "email",
        "phone",
        "address",
    ]
    by_id = {r.external_id: r for r in members}
    for row in rows:
        invite = invites[by_id[row["id"]].id]
        assert normalise_invite_code(row["invite_code"]) == invite.code
        assert row["link"] == f"{day.base_url}/i/{invite.code}"
        assert row["email"].endswith("@example.org") and row["address"]
    assert len(rows) == 5

    letters = await organiser.get(f"/panels/{panel.id}/recruitment/letters")
    assert letters.text.count('<article class="letter"') == 5
    assert letters.text.count("<svg") >= 5
    assert rows[0]["email"] in letters.text and rows[0]["invite_code"] in letters.text

    tablet = await day.staff("facilitator", panel)
    for path in ("invites.csv", "letters", "people"):
        assert (await tablet.get(f"/panels/{panel.id}/recruitment/{path}")).status_code == 403


async def test_a_deliberative_poll_splits_the_whole_pool(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=60, size=10)
    response = await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "pool", "strata": ["age"], "control_percent": "40", "seed": "8"},
    )
    assert response.status_code == 200, response.text
    everyone = await recruits(day, panel)
    assert Counter(r.arm for r in everyone) == Counter({"participant": 36, "control": 24})
    assert {r.status for r in everyone} == {"selected"}
    await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    assert Counter(i.role for i in await _invites(day, panel)) == Counter({"control": 24})


async def test_demographics_are_category_values_per_invite_code_and_nothing_else(
    day: Day,
) -> None:
    panel, organiser = await _drawn(day)
    members = [r for r in await recruits(day, panel) if r.status == "selected"]
    for person in members[:3]:
        await _set(organiser, panel, person, "confirmed")
    await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    async with day.services.db.reading() as session:
        known = await demographics(session, panel.id)
    invites = {i.recruit_id: i.id for i in await _invites(day, panel)}
    assert known == {
        f"i:{invites[person.id]}": {
            f: person.features[f] for f in ("gender", "age", "district", "education")
        }
        for person in members[:3]
    }
