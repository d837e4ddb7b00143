"""Contact data of the pool have an end: a retention date, and erasure by the organiser.

Erasing takes a confirmation, leaves an audit entry with the count, makes the letters
and the mail merge say why they are gone, and changes nothing in the report or export.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import func, select

from server.db.models import AuditEvent
from server.db.models_recruitment import RecruitContact
from server.db.types import utcnow
from tests.support.day import Day, PanelInfo, text_of
from tests.support.people import Person
from tests.support.recruitment import (
    codes_by_external_id,
    confirm_everyone_and_issue_codes,
    start_draw,
    upload_synthetic,
    wait_for_draw,
)
from tests.web.test_report import main_text


async def stored_contacts(day: Day, panel: PanelInfo) -> int:
    async with day.services.db.reading() as session:
        count = await session.scalar(
            select(func.count()).where(RecruitContact.panel_id == panel.id)
        )
    return count or 0


async def erasures(day: Day, panel: PanelInfo) -> list[dict[str, object]]:
    async with day.services.db.reading() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.panel_id == panel.id,
                AuditEvent.action == "recruitment.contacts_erased",
            )
            .order_by(AuditEvent.seq)
        )
        return [dict(row.data) for row in rows]


async def what_the_council_gets(
    organiser: Person, panel: PanelInfo
) -> tuple[str, dict[str, bytes]]:
    """The report's text and the export's data files (panel.json without its date)."""
    report = await organiser.get(f"/panels/{panel.id}/report")
    assert report.status_code == 200
    export = await organiser.get(f"/panels/{panel.id}/export.zip")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n.endswith(".csv")}
        panel = json.loads(archive.read("panel.json"))
    del panel["exported_at"]
    files["panel.json"] = json.dumps(panel, sort_keys=True).encode()
    return main_text(report.text), files


async def drawn_panel(day: Day) -> tuple[PanelInfo, Person]:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=60, size=10)
    draw = await wait_for_draw(day, await start_draw(organiser, panel, seed=8))
    assert draw.state == "finished", draw.failure
    await confirm_everyone_and_issue_codes(day, organiser, panel)
    return panel, organiser


async def test_the_organiser_records_the_date_contact_data_are_kept_until(day: Day) -> None:
    panel, organiser = await drawn_panel(day)
    page = f"/panels/{panel.id}/recruitment"
    before = text_of((await organiser.get(page)).text)
    assert "Contact data of 60 people are stored." in before
    assert "Record by when the contact data will be erased" in before

    past = (utcnow().date() - timedelta(days=1)).isoformat()
    refused = await organiser.post(f"{page}/contacts/keep-until", {"keep_until": past})
    assert refused.status_code == 409
    assert "cannot be in the past" in text_of(refused.text)
    too_late = (utcnow().date() + timedelta(days=800)).isoformat()
    refused = await organiser.post(f"{page}/contacts/keep-until", {"keep_until": too_late})
    assert refused.status_code == 409 and "at most two years" in text_of(refused.text)

    chosen = utcnow().date() + timedelta(days=60)
    saved = await organiser.post(f"{page}/contacts/keep-until", {"keep_until": chosen.isoformat()})
    assert saved.status_code == 200, saved.text
    after = text_of((await organiser.get(page)).text)
    assert f"They will be erased by {chosen:%-d %B %Y}." in after
    assert "Record by when" not in after

    facilitator = await day.staff("facilitator", panel)
    await facilitator.get(page)
    forbidden = await facilitator.post(f"{page}/contacts/keep-until", {"keep_until": past})
    assert forbidden.status_code in (403, 404)


async def test_erasing_contact_data_keeps_the_report_and_export_the_same(day: Day) -> None:
    panel, organiser = await drawn_panel(day)
    page = f"/panels/{panel.id}/recruitment"
    invited = len(await codes_by_external_id(day, panel))
    assert 0 < invited < 60
    report_before, export_before = await what_the_council_gets(organiser, panel)

    # Without the ticked confirmation nothing is erased.
    refused = await organiser.post(f"{page}/contacts/erase", {"scope": "not_selected"})
    assert refused.status_code == 409 and "Tick the box" in text_of(refused.text)
    assert await stored_contacts(day, panel) == 60 and await erasures(day, panel) == []

    # The people not selected: the letters of the invited still have their addresses.
    erased = await organiser.post(
        f"{page}/contacts/erase", {"scope": "not_selected", "confirm": "yes"}
    )
    assert erased.status_code == 200, erased.text
    assert f"The contact data of {60 - invited} people were erased." in text_of(erased.text)
    assert await stored_contacts(day, panel) == invited
    letters = await organiser.get(f"{page}/letters")
    assert letters.status_code == 200 and letters.text.count("veien") >= invited
    assert (await organiser.get(f"{page}/invites.csv")).status_code == 200

    # Everyone: the letters and the mail merge say why they are gone.
    erased = await organiser.post(f"{page}/contacts/erase", {"scope": "all", "confirm": "yes"})
    assert f"The contact data of {invited} people were erased." in text_of(erased.text)
    assert await stored_contacts(day, panel) == 0
    for path in (f"{page}/letters", f"{page}/invites.csv"):
        gone = await organiser.get(path)
        assert gone.status_code == 410, path
        assert "were erased on" in text_of(gone.text) and "veien" not in gone.text
    shown = text_of((await organiser.get(page)).text)
    assert "No contact data are stored." in shown
    assert "Contact data of 60 people erased in all." in shown

    assert await erasures(day, panel) == [
        {"scope": "not_selected", "people": 60 - invited},
        {"scope": "all", "people": invited},
    ]
    again = await organiser.post(f"{page}/contacts/erase", {"scope": "all", "confirm": "yes"})
    assert again.status_code == 409 and len(await erasures(day, panel)) == 2

    report_after, export_after = await what_the_council_gets(organiser, panel)
    assert report_after == report_before
    assert len(export_after) >= 12 and export_after == export_before
