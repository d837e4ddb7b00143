"""Contact columns stay on the organiser's screens: never on a facilitator's page, the
display, a phone, in a log line, a live frame or an export other than the mail merge.

The pool's contact cells all carry one unmistakable marker. The whole recruitment runs
(upload, draw, split, confirmations, codes, joining with them, seating, a latecomer),
with every kind of screen connected, and afterwards every page, frame, log line and
export is searched for the marker. The organiser's own pages and the mail merge are
searched too, and must hold it: the search is looking where the marker would be.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile

import pytest
from sqlalchemy import select

from facilitation.recruitment.synthetic import synthetic_people_csv
from server.db.models import AuditEvent
from server.read.demographics import demographics
from server.read.representation import representation_rows
from tests.support.day import Day, page_seq
from tests.support.people import Person, Recorder
from tests.support.recruitment import (
    codes_by_external_id,
    confirm_everyone_and_issue_codes,
    recruits,
    start_draw,
    upload_synthetic,
    wait_for_draw,
)
from tests.support.settle import settled

MARK = "Qz7SECRETCONTACT"


def marked_people(size: int) -> bytes:
    """The synthetic pool with every contact cell (name, e-mail, phone, address) marked."""
    rows = list(csv.reader(io.StringIO(synthetic_people_csv(size, seed=12).decode())))
    header = rows[0]
    contact = [header.index(name) for name in ("name", "email", "phone", "address")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows[1:]:
        for index in contact:
            row[index] = f"{MARK}-{header[index]}-{row[index]}"
        writer.writerow(row)
    return out.getvalue().encode()


async def connect(person: Person, page: str, socket: str) -> Recorder:
    seq = page_seq((await person.get(page)).text)
    return Recorder(await person.socket(socket, seq))


async def test_contact_columns_never_leave_the_organisers_screens(
    live_day: Day, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)  # as the server logs (LOG_LEVEL=info)
    panel = await live_day.panel(tables=3)
    organiser = await live_day.staff("organiser")
    tablet = await live_day.staff("facilitator", panel)
    projector = live_day.person()
    early_phone = await live_day.phone(panel)
    screens = {
        "facilitator": await connect(tablet, f"/panels/{panel.id}/run", f"/ws/f/{panel.id}"),
        "facilitator recruitment": await connect(
            tablet, f"/panels/{panel.id}/recruitment", f"/ws/f/{panel.id}"
        ),
        "display": await connect(
            projector, f"/d/{panel.display_token}", f"/ws/d/{panel.display_token}"
        ),
        "phone": await connect(early_phone, f"/p/{panel.id}", f"/ws/p/{panel.id}"),
    }

    await upload_synthetic(organiser, panel, size=12, people=marked_people(120))
    assert (await wait_for_draw(live_day, await start_draw(organiser, panel))).state == "finished"
    split = await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "panel", "strata": ["gender"], "control_percent": "25", "seed": "1"},
    )
    assert split.status_code == 200
    await confirm_everyone_and_issue_codes(live_day, organiser, panel)
    members = {r.external_id: r for r in await recruits(live_day, panel)}
    codes = await codes_by_external_id(live_day, panel)
    coming = [key for key in codes if members[key].arm == "participant"]
    phones = []
    for key in coming[:-1]:
        phone = live_day.person()
        await phone.get(f"/i/{codes[key]}")
        response = await phone.post("/join", {"code": codes[key]}, htmx=False)
        assert response.status_code == 303, response.text
        screens[f"phone {key}"] = await connect(phone, f"/p/{panel.id}", f"/ws/p/{panel.id}")
        phones.append(phone)
    plan = await organiser.post(
        f"/panels/{panel.id}/seating/plans",
        {"diversify": ["gender", "age"], "cluster": ["language=norsk"], "seed": "2"},
    )
    assert plan.status_code == 200, plan.text
    page = await organiser.get(f"/panels/{panel.id}/seating")
    plan_id = page.text.split("/seating/plans/")[1].split("/apply")[0]
    assert (
        await organiser.post(f"/panels/{panel.id}/seating/plans/{plan_id}/apply")
    ).status_code == 200
    latecomer = live_day.person()
    await latecomer.get("/")
    await latecomer.post("/join", {"code": codes[coming[-1]]}, htmx=False)
    phones.append(latecomer)
    await screens["facilitator"].wait_for(["fac-representation"], timeout=10)
    await settled(live_day, panel.id)  # the last coalesced updates

    seen: dict[str, str] = {}
    for name, path in (
        ("run", f"/panels/{panel.id}/run"),
        ("recruitment", f"/panels/{panel.id}/recruitment"),
        ("seating", f"/panels/{panel.id}/seating"),
        ("setup", f"/panels/{panel.id}"),
        ("report", f"/panels/{panel.id}/report"),
    ):
        response = await tablet.get(path)
        assert response.status_code == 200, (path, response.status_code)
        seen[f"facilitator {name}"] = response.text
    seen["display"] = (await projector.get(f"/d/{panel.display_token}")).text
    for number, phone in enumerate([early_phone, *phones]):
        seen[f"phone {number}"] = (await phone.get(f"/p/{panel.id}")).text
    seen["invite page"] = (await phones[0].get(f"/i/{codes[coming[0]]}")).text
    draw_page = await organiser.get(f"/panels/{panel.id}/recruitment")
    draw_id = draw_page.text.split("/recruitment/draws/")[1].split('"')[0].split("/")[0]
    for export in ("inputs.json", "result.csv"):
        response = await organiser.get(f"/panels/{panel.id}/recruitment/draws/{draw_id}/{export}")
        assert response.status_code == 200
        seen[f"draw {export}"] = response.content.decode("utf-8-sig")
    archive = await organiser.get(f"/panels/{panel.id}/export.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as exported:
        for name in exported.namelist():
            seen[f"export {name}"] = exported.read(name).decode("utf-8", "replace")
    async with live_day.services.db.reading() as session:
        seen["audit log"] = repr([e.data for e in await session.scalars(select(AuditEvent))])
        seen["demographics"] = repr(await demographics(session, panel.id))
        seen["representation"] = repr(await representation_rows(session, panel.id))
    for name, screen in screens.items():
        assert screen.frames, f"{name} received nothing: the search would be empty"
        seen[f"frames of {name}"] = "\n".join(text for _, text in screen.frames)
    seen["log"] = "\n".join(record.getMessage() for record in caplog.records)
    out, err = capfd.readouterr()
    seen["output"] = out + err

    leaked = sorted(name for name, text in seen.items() if MARK in text)
    assert leaked == []

    # The control: the organiser's pool and the mail merge do hold the marker.
    assert MARK in (await organiser.get(f"/panels/{panel.id}/recruitment/people")).text
    assert MARK in (await organiser.get(f"/panels/{panel.id}/recruitment/invites.csv")).text
    assert MARK in (await organiser.get(f"/panels/{panel.id}/recruitment/letters")).text
    assert any("fac-representation" in t for _, t in screens["facilitator"].frames)
    assert "finished in" in seen["log"]  # the log was captured, the draw's lines included
    for screen in screens.values():
        await screen.close()
