"""Hostile or huge imports are refused with a message, write nothing, and never stall
the server: while each runs, another request (`/healthz`) is answered at once."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import time
import zipfile
from collections.abc import Awaitable
from typing import TypeVar

import httpx
from sqlalchemy import func, select

from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from server.db.models import Panel
from server.db.models_recruitment import Recruit
from server.ops import agenda
from server.ops.events import SYSTEM
from server.reporting.limits import DEPTH_MAX, RATIO_MAX
from tests.support.day import Day, PanelInfo, text_of
from tests.support.people import Person
from tests.support.recruitment import upload
from tests.support.reporting import council_panel

T = TypeVar("T")
# The longest the event loop may compute without serving anyone else, in CPU seconds of
# its own thread. CPU time, unlike wall time, does not grow when other helpers load the
# two shared cores or a parsing thread holds the GIL, so the test fails only on a stall.
# A 10 MB upload's own multipart reading stays on the loop: 0.27 s in one fresh-clone run,
# so the bound is 0.5 s; parsing 80,000 rows on the loop would take seconds.
STALL_MAX = 0.5


async def while_answering(day: Day, work: Awaitable[T]) -> tuple[T, float]:
    """Run `work` while asking /healthz every 20 ms.

    Returns its result and the longest stretch of CPU time the event loop's thread spent
    between two turns of a 5 ms heartbeat: an import that computes on the loop shows up
    as one long stretch, however busy the machine is.
    """
    # As `borgerpanel serve` does: the heap made so far (here, the whole test session's)
    # is left out of garbage collections, which would otherwise pause the loop too.
    gc.collect()
    gc.freeze()
    task = asyncio.ensure_future(work)
    longest = 0.0
    answered = 0

    async def heartbeat() -> None:
        nonlocal longest
        last = time.thread_time()
        while not task.done():
            await asyncio.sleep(0.005)
            now = time.thread_time()
            longest = max(longest, now - last)
            last = now

    beating = asyncio.ensure_future(heartbeat())
    probe = day.person()
    while not task.done():
        response = await probe.get("/healthz")
        assert response.status_code == 200
        answered += 1
        await asyncio.sleep(0.02)
    await beating
    gc.unfreeze()
    assert answered >= 1
    print(f"loop's longest stretch: {longest:.3f} s CPU, /healthz answered {answered} times")
    return await task, longest


async def panel_count(day: Day) -> int:
    async with day.services.db.reading() as session:
        return await session.scalar(select(func.count()).select_from(Panel)) or 0


async def post_file(
    person: Person, path: str, field: str, name: str, data: bytes
) -> httpx.Response:
    if not person.csrf:
        await person.get("/panels/import")
    return await person.http.post(
        path,
        data={"csrf_token": person.csrf},
        files={field: (name, data, "application/octet-stream")},
        headers={"Referer": str(person.http.base_url).rstrip("/") + "/panels/import"},
    )


async def test_a_deeply_nested_definition_is_refused_at_once(day: Day) -> None:
    organiser = await day.staff("organiser")
    panels = await panel_count(day)
    for nested in (
        b"[" * 5000 + b"]" * 5000,
        b"[" * 500_000 + b"]" * 500_000,  # a megabyte: quadratic for PyYAML's scanner
        b"a: " + b"{b: " * 2000 + b"1" + b"}" * 2000,
        b"a:\n" + b"".join(b" " * n + b"b:\n" for n in range(1, 60)) + b" " * 60 + b"c: 1\n",
    ):
        response, stall = await while_answering(
            day, post_file(organiser, "/panels/import-definition", "definition", "d.yaml", nested)
        )
        assert response.status_code == 400, response.text[:500]
        assert f"nested more than {DEPTH_MAX} levels deep" in text_of(response.text)
        assert stall < STALL_MAX
    assert await panel_count(day) == panels


async def export_of(day: Day) -> tuple[Person, bytes]:
    facts = await council_panel(day, participants=10, walk_ins=1, controls=2)
    await agenda.transition(day.services.units, facts.info.id, SYSTEM, "close")
    organiser = await day.staff("organiser")
    response = await organiser.get(f"/panels/{facts.info.id}/export.zip")
    assert response.status_code == 200
    return organiser, response.content


def replaced(data: bytes, name: str, content: bytes, *, packed: bool = True) -> bytes:
    """The export with one file's content replaced (stored as it is, if not `packed`)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.namelist():
            if member != name:
                target.writestr(member, source.read(member))
            else:
                kind = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
                target.writestr(member, content, compress_type=kind)
    return out.getvalue()


async def import_refused(day: Day, organiser: Person, archive: bytes) -> str:
    panels = await panel_count(day)
    response, stall = await while_answering(
        day, post_file(organiser, "/panels/import", "archive", "export.zip", archive)
    )
    assert response.status_code == 400, response.text[:500]
    assert stall < STALL_MAX
    assert await panel_count(day) == panels
    return text_of(response.text)


async def test_a_deeply_nested_panel_json_is_refused(day: Day) -> None:
    organiser, archive = await export_of(day)
    deep = b'{"format": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    shown = await import_refused(
        day, organiser, replaced(archive, "panel.json", deep, packed=False)
    )
    assert f"nested more than {DEPTH_MAX} levels deep" in shown, shown
    panel = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("panel.json"))
    panel["definition"]["extra"] = json.loads("[" * 40 + "]" * 40)
    content = json.dumps(panel).encode()
    shown = await import_refused(day, organiser, replaced(archive, "panel.json", content))
    assert f"nested more than {DEPTH_MAX} levels deep" in shown


async def test_a_zip_bomb_is_refused_while_unpacking(day: Day) -> None:
    organiser, archive = await export_of(day)
    bomb = replaced(archive, "survey_answers.csv", b"\0" * (200 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    shown = await import_refused(day, organiser, bomb)
    assert f"survey_answers.csv unpacks to more than {RATIO_MAX} times its packed size" in shown

    # A directory that understates the unpacked size does not get it read either.
    honest = replaced(archive, "survey_answers.csv", b"\0" * (50 * 1024 * 1024))
    lying = _understated(honest, "survey_answers.csv", 1000)
    shown = await import_refused(day, organiser, lying)
    assert "survey_answers.csv" in shown and "damaged" in shown


def _understated(data: bytes, name: str, size: int) -> bytes:
    """The ZIP with `name`'s unpacked size written as `size` in both of its headers."""
    buffer = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    local = info.header_offset
    assert buffer[local : local + 4] == b"PK\x03\x04"
    buffer[local + 22 : local + 26] = size.to_bytes(4, "little")
    central = buffer.find(b"PK\x01\x02")
    while central != -1:
        name_length = int.from_bytes(buffer[central + 28 : central + 30], "little")
        if buffer[central + 46 : central + 46 + name_length] == name.encode():
            buffer[central + 24 : central + 28] = size.to_bytes(4, "little")
            return bytes(buffer)
        central = buffer.find(b"PK\x01\x02", central + 4)
    raise AssertionError("no central directory entry")


async def pool_panel(day: Day) -> tuple[PanelInfo, Person]:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    response = await upload(
        organiser, panel, "targets", synthetic_shares_csv(), "shares.csv", panel_size="40"
    )
    assert response.status_code == 303, response.text
    # The organiser has the page open, as before any upload (its templates are compiled).
    assert (await organiser.get(f"/panels/{panel.id}/recruitment")).status_code == 200
    return panel, organiser


async def test_a_large_pool_is_imported_without_stalling_the_server(day: Day) -> None:
    panel, organiser = await pool_panel(day)
    people = synthetic_people_csv(20_000, seed=5)
    response, stall = await while_answering(
        day,
        upload(organiser, panel, "pool", people, "people.csv", household_column="address"),
    )
    assert response.status_code == 303, response.text[:500]
    assert stall < STALL_MAX
    async with day.services.db.reading() as session:
        assert (
            await session.scalar(select(func.count()).where(Recruit.panel_id == panel.id)) == 20_000
        )


async def test_a_bad_10_mb_pool_gives_a_short_page_with_the_count_of_problems(day: Day) -> None:
    panel, organiser = await pool_panel(day)
    rows = synthetic_people_csv(80_000, seed=6).decode().splitlines()
    bad = "\n".join([rows[0], *(row.replace(",male,", ",unknown,") for row in rows[1:])])
    data = bad.encode()
    assert len(data) > 9 * 1024 * 1024
    response, stall = await while_answering(
        day, upload(organiser, panel, "pool", data, "people.csv")
    )
    assert response.status_code == 422
    assert len(response.content) < 200_000
    shown = text_of(response.text)
    assert "more problems." in shown and shown.count("Line ") <= 101
    assert stall < STALL_MAX
    async with day.services.db.reading() as session:
        assert not await session.scalar(select(func.count()).where(Recruit.panel_id == panel.id))
