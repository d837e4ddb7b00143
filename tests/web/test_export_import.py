"""The research export, and importing it into another server (or this one) again."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pyreadstat
import pytest
from sqlalchemy import func, select

from server.db.models import Account, Panel, Participant
from server.ops import agenda
from server.ops.events import SYSTEM
from server.reporting.record import load_record
from server.reporting.tables import COLUMNS
from tests.support.day import Day
from tests.support.people import Person
from tests.support.reporting import PanelDay, council_panel
from tests.support.servers import running_app, settings_for
from tests.web.test_report import main_text

FILES = {
    "panel.json",
    "codebook.md",
    "respondents.csv",
    "survey_answers.csv",
    "deliberativepolling.csv",
    "survey.sav",
    "tables.csv",
    "proposals.csv",
    "steps.csv",
    "arguments.csv",
    "statement_votes.csv",
    "opinion_groups.csv",
    "opinion_statements.csv",
    "questions.csv",
    "question_upvotes.csv",
    "votes.csv",
    "vote_tallies.csv",
    "ballots.csv",
}


@pytest.fixture
async def elsewhere(tmp_path: Path) -> AsyncIterator[Day]:
    """A second server with its own, empty database."""
    async with running_app(settings_for(tmp_path / "elsewhere")) as started:
        day = Day(started.state.services, "http://testserver", started)
        try:
            yield day
        finally:
            await day.close()


async def exported(day: Day) -> tuple[PanelDay, Person, bytes]:
    facts = await council_panel(day)
    await agenda.transition(day.services.units, facts.info.id, SYSTEM, "close")
    organiser = await day.staff("organiser")
    response = await organiser.get(f"/panels/{facts.info.id}/export.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="bergen-sentrum.zip"' in response.headers["content-disposition"]
    return facts, organiser, response.content


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def with_file(data: bytes, name: str, content: bytes) -> bytes:
    files = unzip(data)
    files[name] = content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file_name, body in files.items():
            archive.writestr(file_name, body)
    return buffer.getvalue()


async def upload(person: Person, path: str, field: str, name: str, data: bytes) -> object:
    if not person.csrf:
        await person.get("/panels/import")
    return await person.http.post(
        path, data={"csrf_token": person.csrf}, files={field: (name, data, "application/zip")}
    )


async def panel_count(day: Day) -> int:
    async with day.services.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Panel)) or 0)


async def test_the_export_holds_every_file_and_the_codebook_describes_every_column(
    day: Day,
) -> None:
    _facts, _organiser, data = await exported(day)
    files = unzip(data)
    assert set(files) == FILES
    codebook = files["codebook.md"].decode()
    for name, columns in COLUMNS.items():
        first_line = files[name].decode().splitlines()[0]
        assert first_line == ",".join(c.name for c in columns), name
    for name in FILES:
        assert f"`{name}`" in codebook, name
    panel = json.loads(files["panel.json"])
    assert panel["format"] == "borgerpanel-export" and panel["definition"]["title"]
    assert [vote["closed"] for vote in panel["votes"]] == [True, True]


def described_columns(codebook: str, name: str) -> list[str]:
    """The columns the codebook's section on one file lists, in its order."""
    section = codebook.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


async def test_the_codebook_lists_exactly_the_columns_of_every_data_file(
    day: Day, tmp_path: Path
) -> None:
    _facts, _organiser, data = await exported(day)
    files = unzip(data)
    codebook = files["codebook.md"].decode()
    csv_files = sorted(name for name in files if name.endswith(".csv"))
    assert "deliberativepolling.csv" in csv_files
    for name in csv_files:
        header = next(csv.reader(io.StringIO(files[name].decode())))
        assert described_columns(codebook, name) == header, name
    path = tmp_path / "survey.sav"
    path.write_bytes(files["survey.sav"])
    _values, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    wide = described_columns(codebook, "deliberativepolling.csv")
    added = described_columns(codebook, "survey.sav")
    assert added == ["Sample"]
    assert meta.column_names == [*wide[:3], *added, *wide[3:]]


async def test_survey_answers_come_long_and_in_the_deliberative_polling_layout(
    day: Day, tmp_path: Path
) -> None:
    facts, _organiser, data = await exported(day)
    files = unzip(data)
    long = rows(files["survey_answers.csv"])
    groups = {row["group"] for row in long}
    assert groups == {"Treatment", "Control"}
    dont_know = [row for row in long if row["non_answer"] == "dont_know"]
    assert dont_know and all(row["value"] == "" for row in dont_know)
    assert {row["variable"] for row in long if row["item"] == "centre_2"} == {"centre"}
    assert {row["variable"] for row in long if row["item"] == "why"} == {""}

    wide = rows(files["deliberativepolling.csv"])
    assert list(wide[0])[:3] == ["ID", "Group", "Time"]
    waves = {(row["id"], row["wave"]) for row in long}
    assert {(row["ID"], row["Time"]) for row in wide} == waves
    one = next(r for r in long if r["item"] == "centre_2" and r["non_answer"] == "")
    match = next(r for r in wide if r["ID"] == one["id"] and r["Time"] == "T2")
    assert match["centre"] == one["value"]  # the same column before and after
    skipped = next(r for r in long if r["item"] in ("centre", "centre_2") and r["non_answer"])
    blank = next(r for r in wide if r["ID"] == skipped["id"] and r["Time"] == skipped["wave"])
    assert blank["centre"] == ""  # "don't know" left blank

    path = tmp_path / "survey.sav"
    path.write_bytes(files["survey.sav"])
    values, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.column_names[:4] == ["ID", "Group", "Time", "Sample"]
    assert meta.variable_measure["centre"] == "ordinal"
    assert meta.variable_measure["travel"] == "nominal"
    assert meta.variable_value_labels["centre"][0.0] == "0 Keep the cars"
    assert 98.0 not in meta.variable_value_labels["centre"]
    assert meta.column_labels[meta.column_names.index("centre")].startswith("Should the city")
    row = values[(values["ID"] == skipped["id"]) & (values["Time"] == skipped["wave"])]
    assert float(row["centre"].iloc[0]) in (98.0, 99.0)
    assert {"centre": [{"lo": 98.0, "hi": 98.0}, {"lo": 99.0, "hi": 99.0}]}.items() <= (
        meta.missing_ranges.items()
    )
    # As DeliberativePolling reads it: the missing codes become blanks.
    plain, _ = pyreadstat.read_sav(str(path))
    assert plain["centre"].max() <= 10
    assert len(values) == len(wide) == len(waves)
    assert len({row["ID"] for row in wide}) == len(facts.keys)  # everyone who answered


async def test_deliberative_polling_counts_dont_know_only_in_its_own_dk_na_row(
    day: Day, tmp_path: Path
) -> None:
    _facts, _organiser, data = await exported(day)
    files = unzip(data)
    path = tmp_path / "survey.sav"
    path.write_bytes(files["survey.sav"])
    kept, meta = pyreadstat.read_sav(str(path), user_missing=True)
    # As DeliberativePolling's outputs() reads it: declared missing values become blanks,
    # blanks go to its "DK/NA" row, and every value label becomes a row of its own.
    values, _ = pyreadstat.read_sav(str(path), apply_value_formats=False)
    long = rows(files["survey_answers.csv"])
    checked = 0
    for variable, missing in meta.missing_ranges.items():
        codes = {bound for missing_range in missing for bound in missing_range.values()}
        assert codes == {98.0, 99.0}, variable
        # A labelled missing code would be a row that is always 0 %.
        assert not codes & set(meta.variable_value_labels[variable]), variable
        non_answers = {
            (row["id"], row["wave"])
            for row in long
            if row["variable"] == variable and row["non_answer"]
        }
        coded = kept[kept[variable].isin(codes)]
        assert set(zip(coded["ID"], coded["Time"], strict=True)) == non_answers, variable
        assert values.loc[coded.index, variable].isna().all(), variable
        answered = values[variable].dropna()
        assert set(answered) <= set(meta.variable_value_labels[variable]), variable
        checked += bool(non_answers)
    assert checked >= 3  # the council panel's don't-knows reach several questions


async def test_the_report_and_the_export_hold_no_personal_data(day: Day) -> None:
    facts, organiser, data = await exported(day)
    report = (await organiser.get(f"/panels/{facts.info.id}/report")).text
    async with day.services.db.reading() as session:
        panel = await session.get(Panel, facts.info.id)
        assert panel is not None
        accounts = list(await session.scalars(select(Account)))
        participants = list(
            await session.scalars(select(Participant).where(Participant.panel_id == panel.id))
        )
    forbidden = [panel.join_code, panel.display_token, *facts.codes]
    forbidden += [a.email for a in accounts] + [a.name for a in accounts]
    forbidden += ["99 88 77 66"]  # a hidden argument's text
    files = unzip(data)
    for name, content in {**files, "report.html": report.encode()}.items():
        text = content.decode("latin-1") if name.endswith(".sav") else content.decode()
        for secret in forbidden:
            assert secret not in text, (name, secret)
        assert not re.search(r"\b[ip]:\d+\b", text), name  # the database's respondent keys
        assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", text), name  # no e-mail address
    # People appear only by their random pseudonym, never by a row id or their number.
    ids = {row["id"] for row in rows(files["respondents.csv"])}
    assert ids == set(facts.pseudonyms.values())
    invited_participants = {p.pseudonym for p in participants if p.invite_id is not None}
    for name, content in files.items():
        if name.endswith(".csv") or name.endswith(".json"):
            for pseudonym in invited_participants:  # their invite's pseudonym is used instead
                assert pseudonym not in content.decode(), name
    assert "joined_at" not in files["respondents.csv"].decode()
    assert not any("author" in line for line in files["arguments.csv"].decode().splitlines()[:1])
    votes = json.loads(files["panel.json"])["votes"]
    assert all("ballots" not in row or isinstance(row["ballots"], int) for row in votes)
    secret = {row["step"] for row in rows(files["votes.csv"]) if row["scope"] == "individual"}
    ballots = rows(files["ballots.csv"])
    assert secret and ballots and all(row["step"] not in secret for row in ballots)


async def test_export_then_import_into_an_empty_database_gives_the_same_report(
    day: Day, elsewhere: Day
) -> None:
    facts, organiser, data = await exported(day)
    archivist = await elsewhere.staff("organiser")
    response = await upload(archivist, "/panels/import", "archive", "export.zip", data)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    imported = int(location.rsplit("/", 1)[1])
    setup = await archivist.get(location)
    assert "The panel was imported" in setup.text
    assert "were replaced" not in setup.text

    async with day.services.db.reading() as session:
        before = await load_record(session, facts.info.id)
    async with elsewhere.services.db.reading() as session:
        after = await load_record(session, imported)
    assert after == before

    original = main_text((await organiser.get(f"/panels/{facts.info.id}/report")).text)
    copy = main_text((await archivist.get(f"/panels/{imported}/report")).text)
    assert copy == original
    # And the copy exports the same data again.
    again = unzip((await archivist.get(f"/panels/{imported}/export.zip")).content)
    first = unzip(data)
    for name in FILES - {"panel.json", "codebook.md", "survey.sav"}:
        assert again[name] == first[name], name


async def test_importing_into_the_same_server_twice_gives_new_pseudonyms(day: Day) -> None:
    facts, organiser, data = await exported(day)
    response = await upload(organiser, "/panels/import", "archive", "export.zip", data)
    assert response.status_code == 303, response.text
    imported = int(response.headers["location"].rsplit("/", 1)[1])
    setup = await organiser.get(response.headers["location"])
    assert "were replaced" in setup.text
    async with day.services.db.reading() as session:
        before = await load_record(session, facts.info.id)
        after = await load_record(session, imported)
    assert {r.id for r in after.respondents}.isdisjoint({r.id for r in before.respondents})
    original = main_text((await organiser.get(f"/panels/{facts.info.id}/report")).text)
    copy = main_text((await organiser.get(f"/panels/{imported}/report")).text)
    assert copy == original


def unknown_voter(content: bytes) -> bytes:
    return content + b"1,nobody-here,agree\r\n"


def off_the_scale(content: bytes) -> bytes:
    return re.sub(rb",T1,centre,centre,\d+,", b",T1,centre,centre,11,", content, count=1)


def wrong_columns(content: bytes) -> bytes:
    return b"id,group\r\n"


@pytest.mark.parametrize(
    ("name", "damage", "message"),
    [
        ("statement_votes.csv", unknown_voter, "statement_votes.csv, line"),
        ("survey_answers.csv", off_the_scale, "Choose a point on the scale from 0 to 10"),
        ("respondents.csv", wrong_columns, "respondents.csv must have the columns"),
    ],
)
async def test_a_damaged_export_is_refused_with_where_and_nothing_is_imported(
    day: Day, name: str, damage: Callable[[bytes], bytes], message: str
) -> None:
    _facts, organiser, data = await exported(day)
    broken = with_file(data, name, damage(unzip(data)[name]))
    count = await panel_count(day)
    response = await upload(organiser, "/panels/import", "archive", "export.zip", broken)
    assert response.status_code == 400
    assert "Nothing was imported." in response.text and message in response.text
    assert await panel_count(day) == count


async def test_a_file_that_is_not_an_export_is_refused(day: Day) -> None:
    organiser = await day.staff("organiser")
    count = await panel_count(day)
    response = await upload(organiser, "/panels/import", "archive", "x.zip", b"not a zip")
    assert response.status_code == 400
    assert "The file is not a ZIP file." in response.text
    empty = await organiser.http.post("/panels/import", data={"csrf_token": organiser.csrf})
    assert empty.status_code == 400 and "Choose the ZIP file of an export." in empty.text
    assert await panel_count(day) == count
