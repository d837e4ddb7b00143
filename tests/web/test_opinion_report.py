"""Opinion groups in the council report and the research export."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from server.db.models import ArgumentRow, PanelTable, StatementVote
from server.reporting.export import export_files
from server.reporting.page import render_standalone
from server.reporting.record import load_record
from server.reporting.report import build_report
from tests.support.day import Day, PanelInfo, text_of
from tests.support.deliberation import open_step
from tests.support.reporting import add_participant

PEOPLE, STATEMENTS = 24, 10


async def two_camps(day: Day) -> PanelInfo:
    """24 people at 4 tables; half agree with the even statements, half with the odd;
    everyone agrees with statement 0."""
    panel = await day.panel(tables=4)
    step = await open_step(day, panel, "discussion", statement_votes="on")
    async with day.services.db.reading() as session:
        tables = list(
            await session.scalars(select(PanelTable.id).where(PanelTable.panel_id == panel.id))
        )
    people = [
        await add_participant(day, panel, n + 1, tables[n % len(tables)], None)
        for n in range(PEOPLE)
    ]
    async with day.services.db.writing() as session:
        arguments = []
        for i in range(STATEMENTS):
            row = ArgumentRow(
                panel_id=panel.id,
                step_id=step,
                table_id=tables[i % len(tables)],
                author_id=people[i].id,
                proposal_id=None,
                stance="for",
                text=f"Statement number {i}",
                state="approved",
                moderated=True,
            )
            session.add(row)
            arguments.append(row)
        await session.flush()
        for n, person in enumerate(people):
            for i, argument in enumerate(arguments):
                agree = i == 0 or i % 2 == n % 2
                session.add(
                    StatementVote(
                        argument_id=argument.id,
                        participant_id=person.id,
                        choice="agree" if agree else "disagree",
                    )
                )
    return panel


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_report_names_the_groups_what_unites_them_and_what_divides_them(
    day: Day,
) -> None:
    panel = await two_camps(day)
    async with day.services.db.reading() as session:
        record = await load_record(session, panel.id)
    report = build_report(record, date(2026, 5, 1))
    (summary,) = report.opinion_groups
    assert summary.too_few is None
    assert sorted(g.size for g in summary.groups) == [12, 12]
    assert summary.consensus[0].text == "Statement number 0"
    assert all(share == 100 for _, share in summary.consensus[0].shares)
    assert summary.divisive[0].text != "Statement number 0"
    assert sorted(share for _, share in summary.divisive[0].shares) == [0, 100]
    text = text_of(render_standalone(day.services, report))
    assert "Opinion groups" in text
    assert "Group-informed consensus" in text
    assert "2 to 5 groups" in text


async def test_the_export_holds_each_persons_group_and_each_groups_figures(day: Day) -> None:
    panel = await two_camps(day)
    async with day.services.db.reading() as session:
        record = await load_record(session, panel.id)
    files = export_files(record)
    groups = rows(files["opinion_groups.csv"].decode())
    assert len(groups) == PEOPLE
    assert {r["id"] for r in groups} == {r.id for r in record.respondents if r.joined}
    assert sorted({r["group"] for r in groups}) == ["A", "B"]
    statements = rows(files["opinion_statements.csv"].decode())
    assert len(statements) == 2 * STATEMENTS
    first = [r for r in statements if r["argument"] == "1"]
    assert {r["agree"] for r in first} == {"12"}
    assert {r["consensus"] for r in first} == {str(round((13 / 14) ** 2, 4))}
    codebook = files["codebook.md"].decode()
    assert "## opinion_statements.csv" in codebook and "## opinion_groups.csv" in codebook
    assert "Opinion groups follow Pol.is" in codebook


async def test_too_few_votes_give_the_plain_sentence_in_the_report(day: Day) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "discussion", statement_votes="on")
    async with day.services.db.reading() as session:
        record = await load_record(session, panel.id)
    report = build_report(record, date(2026, 5, 1))
    assert report.opinion_groups[0].too_few is not None
    text = text_of(render_standalone(day.services, report))
    assert "Groups appear when at least 10 people have voted on at least 7 statements." in text
