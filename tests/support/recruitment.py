"""Recruitment in a test: upload the organiser's files, run a draw and wait for it."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy import select

from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from server.db.models_recruitment import Draw, Recruit
from tests.support.day import Day, PanelInfo
from tests.support.people import Person

ENDED = ("finished", "failed", "cancelled", "interrupted")


async def upload(
    person: Person,
    panel: PanelInfo,
    what: str,
    data: bytes,
    filename: str = "file.csv",
    **fields: str,
) -> httpx.Response:
    """Post a file as the browser's form does (multipart, with this session's token,
    from the recruitment page)."""
    page = f"/panels/{panel.id}/recruitment"
    if not person.csrf:
        await person.get(page)
    return await person.http.post(
        f"{page}/{what}",
        data={**fields, "csrf_token": person.csrf},
        files={"file": (filename, data, "text/csv")},
        headers={"Referer": str(person.http.base_url).rstrip("/") + page},
    )


async def upload_synthetic(
    person: Person,
    panel: PanelInfo,
    *,
    pool: int = 150,
    size: int = 15,
    seed: int = 3,
    people: bytes | None = None,
) -> None:
    """The synthetic population shares and pool (households by address, language kept)."""
    response = await upload(
        person, panel, "targets", synthetic_shares_csv(), "shares.csv", panel_size=str(size)
    )
    assert response.status_code == 303, response.text
    response = await upload(
        person,
        panel,
        "pool",
        people if people is not None else synthetic_people_csv(pool, seed=seed),
        "people.csv",
        id_column="id",
        household_column="address",
        extra_columns="language",
    )
    assert response.status_code == 303, response.text


async def start_draw(
    person: Person,
    panel: PanelInfo,
    *,
    seed: int = 5,
    test: bool = False,
    algorithm: str = "maximin",
) -> int:
    form = {"algorithm": algorithm, "seed": str(seed)}
    if test:
        form["test"] = "on"
    response = await person.post(f"/panels/{panel.id}/recruitment/draws", form, htmx=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert "/recruitment/draws/" in location, location
    return int(location.rsplit("/", 1)[1])


async def draw_row(day: Day, draw_id: int) -> Draw:
    async with day.services.db.reading() as session:
        draw = await session.get(Draw, draw_id)
    assert draw is not None
    return draw


async def wait_for_draw(day: Day, draw_id: int, timeout: float = 120) -> Draw:
    deadline = time.monotonic() + timeout
    while True:
        draw = await draw_row(day, draw_id)
        if draw.state in ENDED:
            return draw
        if time.monotonic() > deadline:
            raise TimeoutError(f"draw {draw_id} still {draw.state} ({draw.phase})")
        await asyncio.sleep(0.2)


async def recruits(day: Day, panel: PanelInfo) -> list[Recruit]:
    async with day.services.db.reading() as session:
        return list(
            await session.scalars(
                select(Recruit).where(Recruit.panel_id == panel.id).order_by(Recruit.external_id)
            )
        )


async def confirm_everyone_and_issue_codes(day: Day, organiser: Person, panel: PanelInfo) -> None:
    for person in await recruits(day, panel):
        if person.status == "selected":
            response = await organiser.post(
                f"/panels/{panel.id}/recruitment/people/{person.id}/status",
                {"status": "confirmed"},
            )
            assert response.status_code == 200, response.text
    response = await organiser.post(f"/panels/{panel.id}/recruitment/invites")
    assert response.status_code == 200, response.text


async def codes_by_external_id(
    day: Day, panel: PanelInfo, role: str | None = None
) -> dict[str, str]:
    """The invite codes of the panel by the registrant's id (of one role, if given)."""
    from server.db.models import Invite

    query = (
        select(Recruit.external_id, Invite.code)
        .join(Invite, Invite.recruit_id == Recruit.id)
        .where(Recruit.panel_id == panel.id)
    )
    if role is not None:
        query = query.where(Invite.role == role)
    async with day.services.db.reading() as session:
        return dict((await session.execute(query)).all())


async def join_with_code(day: Day, code: str) -> Person:
    """A phone that typed the personal code from its letter."""
    phone = day.person()
    await phone.get("/")
    response = await phone.post("/join", {"code": code}, htmx=False)
    assert response.status_code == 303, response.text
    return phone
