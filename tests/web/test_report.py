"""The council report page: what it says about a panel, in the panel's language."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from facilitation.analysis import DiffInDiff, GroupComparison, Unavailable
from facilitation.analysis.common import TTest
from facilitation.analysis.opinion import Majority, WaveSummary
from facilitation.survey import Answer
from server.ops import agenda
from server.ops.events import SYSTEM
from server.read.survey_data import load, opinion_results
from server.reporting.numbers import Numbers
from server.reporting.page import render_standalone
from server.reporting.record import load_record
from server.reporting.report import build_report
from tests.support.day import Day, text_of
from tests.support.recruitment import (
    codes_by_external_id,
    confirm_everyone_and_issue_codes,
    join_with_code,
    recruits,
    start_draw,
    upload_synthetic,
    wait_for_draw,
)
from tests.support.reporting import (
    OPINION_CENTRE,
    add_answers,
    add_invite,
    after,
    council_panel,
    survey_steps,
)
from tests.support.voting import open_vote


def main_text(html: str) -> str:
    found = re.search(r"<main.*</main>", html, re.S)
    assert found, "the report has no main element"
    return text_of(found.group(0))


async def opinion_numbers(day: Day, panel_id: int, language: str = "en") -> list[str]:
    """The numbers the opinion-change table must show, from the statistics themselves."""
    n = Numbers(language)
    async with day.services.db.reading() as session:
        results = opinion_results(await load(session, panel_id))
    numbers = []
    for _item, result in results:
        change = result.change
        assert not isinstance(change, Unavailable)
        numbers += [n.dec(change.mean_before), n.dec(change.mean_after)]
        numbers.append(n.signed(change.mean_change))
        if not isinstance(change.estimate, Unavailable):
            test = change.estimate.test
            numbers += [n.ci(test.ci_low, test.ci_high), n.p(test.p_value)]
            numbers.append(n.signed(change.estimate.dz))
        if not isinstance(change.wilcoxon, Unavailable):
            numbers.append(n.p(change.wilcoxon.p_value))
    return numbers


async def test_the_report_tells_the_council_what_the_panel_did_and_thought(day: Day) -> None:
    facts = await council_panel(day)
    facilitator = await day.staff("facilitator", facts.info)
    response = await facilitator.get(f"/panels/{facts.info.id}/report")
    assert response.status_code == 200
    text = main_text(response.text)
    assert "Bergen sentrum" in text and "Should the city centre be car-free?" in text
    assert "Table discussion" in text  # the agenda
    assert "Took part on the day 14" in text
    assert "Control group 9" in text
    # Only approved arguments, with their statement votes; never what was held back.
    assert "Cleaner air for the children walking to school." in text
    assert "Table 1, Table 2 · raised 2 times" in text
    assert "Never approved." not in text and "99 88 77 66" not in text
    assert "agree of those who took a side" in text
    # Questions asked and answered, in the order taken; drafts stay out.
    assert text.index("What will it cost the city?") < text.index("How did Oslo do it?")
    assert "Sent but not answered" in text and "Who decides in the end?" in text
    assert "Unsent draft" not in text
    # Both votes with method and turnout.
    assert "Agreement from 1 to 5 per proposal" in text
    assert "13 of 14 participants voted" in text and "Paper ballots: 1." in text
    assert "3 of 3 tables answered (100%)" in text and "Car-free centre winner" in text
    # The opinion-change table holds the statistics' own numbers.
    for number in await opinion_numbers(day, facts.info.id):
        assert number in text, number
    assert "Against the control group" in text and "difference in differences" in text
    assert "Knowledge" in text and "Choice questions" in text
    assert "How the poll was run and what the numbers mean" in text
    # Charts are drawn on the server, as SVG with a text alternative.
    assert response.text.count('class="chart-svg"') == 3
    assert "<script" not in response.text.split("<main", 1)[1].split("</main>", 1)[0]


async def test_the_report_is_in_the_panels_language_whatever_the_reader_speaks(
    day: Day,
) -> None:
    facts = await council_panel(day, language="nb", title="Bypanel på bokmål")
    organiser = await day.staff("organiser")  # reads English
    response = await organiser.get(f"/panels/{facts.info.id}/report")
    assert response.status_code == 200
    assert '<html lang="nb">' in response.text
    text = main_text(response.text)
    for number in await opinion_numbers(day, facts.info.id, "nb"):
        assert number in text, number
    assert "," in Numbers("nb").dec(0.5)  # decimal comma, as printed


async def test_an_empty_panel_says_what_it_does_not_have_yet(day: Day) -> None:
    panel = await day.panel(open=False)
    organiser = await day.staff("organiser")
    response = await organiser.get(f"/panels/{panel.id}/report")
    assert response.status_code == 200
    text = main_text(response.text)
    assert "No arguments were approved in this panel." in text
    assert "No questions were sent to the expert panel." in text
    assert "This panel had no votes." in text
    assert "The surveys had no opinion questions" in text
    assert "Representativeness is not known for this panel" in text
    assert "The panel has not been closed yet" in text


async def test_too_few_answers_and_an_open_vote_are_said_not_hidden(day: Day) -> None:
    panel = await day.panel(tables=2)
    before_step, after_step = await survey_steps(
        day, panel, [OPINION_CENTRE], [after(OPINION_CENTRE)]
    )
    invite = await add_invite(day, panel, "participant")
    await add_answers(day, panel, before_step, f"i:{invite.id}", {"centre": Answer(value=3)})
    await add_answers(day, panel, after_step, f"i:{invite.id}", {"centre_2": Answer(value=6)})
    await open_vote(day, panel, "single", "Car-free centre", "Free buses")
    organiser = await day.staff("organiser")
    text = main_text((await organiser.get(f"/panels/{panel.id}/report")).text)
    assert "Too few people answered both before and after the discussion: 1" in text
    assert "This vote was not closed, so it has no final result." in text
    assert "This panel had no control group" in text


async def test_closing_the_panel_takes_away_the_warning_that_numbers_may_change(
    day: Day,
) -> None:
    panel = await day.panel()
    await agenda.transition(day.services.units, panel.id, SYSTEM, "close")
    organiser = await day.staff("organiser")
    text = main_text((await organiser.get(f"/panels/{panel.id}/report")).text)
    assert "The panel has not been closed yet" not in text


async def test_change_by_group_is_shown_where_backgrounds_are_known_and_groups_large(
    day: Day,
) -> None:
    facts = await council_panel(day, participants=16, walk_ins=0)
    async with day.services.db.reading() as session:
        record = await load_record(session, facts.info.id)
    people = sorted(r.id for r in record.respondents if r.group == "Treatment")
    backgrounds = {person: {"age": "18-39" if n < 12 else "40+"} for n, person in enumerate(people)}
    report = build_report(record, date(2026, 5, 1), demographics=backgrounds)
    text = text_of(render_standalone(day.services, report))
    assert "Mean change by age" in text
    assert "18-39" in text and "40+" in text
    assert "their result is not shown to protect their privacy" in text  # only 4 are 40+
    unknown = text_of(render_standalone(day.services, build_report(record, date(2026, 5, 1))))
    assert "change by group is not known" in unknown


async def test_representativeness_compares_who_came_with_who_was_drawn(day: Day) -> None:
    panel = await day.panel(tables=3)
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=120, size=12)
    assert (await wait_for_draw(day, await start_draw(organiser, panel))).state == "finished"
    await confirm_everyone_and_issue_codes(day, organiser, panel)
    codes = await codes_by_external_id(day, panel, "participant")
    came = sorted(codes)[:5]
    for external_id in came:
        await join_with_code(day, codes[external_id])

    text = (await organiser.get(f"/panels/{panel.id}/report")).text
    drawn = [r for r in await recruits(day, panel) if r.status == "confirmed"]
    present = [r for r in drawn if r.external_id in came]
    for value in sorted({r.features["gender"] for r in drawn}):
        share_drawn = 100 * sum(r.features["gender"] == value for r in drawn) / len(drawn)
        share_present = 100 * sum(r.features["gender"] == value for r in present) / len(present)
        row = re.search(
            rf'<th scope="row">gender</th><td>{value}</td><td>[^<]*</td>'
            r"<td>([^<]*)</td><td>([^<]*)</td>",
            text,
        )
        assert row is not None, value
        assert row.groups() == (f"{share_drawn:.1f}", f"{share_present:.1f}")


async def test_knowledge_is_set_against_the_control_group_as_opinions_are(day: Day) -> None:
    facts = await council_panel(day)
    async with day.services.db.reading() as session:
        record = await load_record(session, facts.info.id)
    knowledge = build_report(record, date(2026, 5, 1)).knowledge
    assert knowledge is not None
    did, against = knowledge.diff_in_diff, knowledge.controls_after
    assert isinstance(did, DiffInDiff) and isinstance(did.welch, TTest)
    assert isinstance(against, GroupComparison)
    assert did.controls.n > 0 and against.controls.n > 0

    facilitator = await day.staff("facilitator", facts.info)
    html = (await facilitator.get(f"/panels/{facts.info.id}/report")).text
    table = html.split('class="numbers knowledge-controls"', 1)[1].split("</table>", 1)[0]
    text = text_of(table)
    assert "difference in differences" in text
    n = Numbers("en")
    assert did.participants.mean is not None and did.controls.mean is not None
    for number in (
        n.signed(100 * did.participants.mean, 1),
        n.signed(100 * did.controls.mean, 1),
        n.signed(100 * did.welch.estimate, 1),
        n.ci(100 * did.welch.ci_low, 100 * did.welch.ci_high, 1),
        n.p(did.welch.p_value),
        f"{n.pct(against.participants.mean)} / {n.pct(against.controls.mean)}",
    ):
        assert number in text, number


async def test_sides_taken_are_named_by_their_points_not_by_the_end_label(day: Day) -> None:
    facts = await council_panel(day)
    async with day.services.db.reading() as session:
        record = await load_record(session, facts.info.id)
    opinions = build_report(record, date(2026, 5, 1)).opinions
    facilitator = await day.staff("facilitator", facts.info)
    html = (await facilitator.get(f"/panels/{facts.info.id}/report")).text
    cells = html.split('class="numbers opinion-sides"', 1)[1].split("</table>", 1)[0]
    table = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cells)))  # inline tags join
    assert "the middle, don't know and prefer not are counted beside" in table
    n = Numbers("en")
    sides = {"centre": ("6–10", "0–4", 5), "tolls": ("4–5", "1–2", 3)}
    checked = 0
    for row in opinions:
        if row.item.key not in sides:
            continue
        upper, lower, middle = sides[row.item.key]
        high, low = row.item.high_label or "agree", row.item.low_label or "disagree"
        for summary in (row.result.before, row.result.after):
            assert isinstance(summary, WaveSummary) and isinstance(summary.majority, Majority)
            mj = summary.majority
            assert f"{n.pct(mj.high_share)} on the upper side ({upper}, towards “{high}”)" in table
            assert f"{n.pct(mj.low_share)} on the lower side ({lower}, towards “{low}”)" in table
            assert f"{mj.neutral} (at {middle}) / {mj.dont_know} / {mj.prefer_not}" in table
            # never the bare end label after a share, which reads as "at the very end"
            assert f"{n.pct(mj.high_share)} {high}" not in table
            checked += 1
    assert checked == 4
