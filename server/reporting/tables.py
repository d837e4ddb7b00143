"""The export's tables: their columns (with what each means) and their rows.

One description per column lives here beside the code that fills it, and the codebook is
written from it, so no file can have a column the codebook does not describe. Survey
answers come twice: in long form (one row per respondent, question and wave) and in the
wide form that Stanford's DeliberativePolling package reads (one row per respondent and
wave, one column per question, the same column for a question asked before and after).

Why one module of this size: each column's description sits beside the code
that fills it, for every table of the export, so the codebook cannot drift from
the files; the tables share the column machinery.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from facilitation.ballots import result_from_dict
from facilitation.survey import Answer, ItemKind, SurveyItem, Wave
from server.reporting.record import PanelRecord
from server.web.csv_safe import csv_text

NON_ANSWER_CODES = {"dont_know": 98, "prefer_not": 99}


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


COLUMNS: dict[str, tuple[Column, ...]] = {
    "respondents.csv": (
        Column("id", "Random pseudonymous id of the person; the same in every file."),
        Column("group", "Treatment (invited to take part, or took part) or Control."),
        Column("invited", "1 if the person had a personal invite code, else 0."),
        Column("joined", "1 if the person took part on the day, else 0."),
        Column("table", "Number of the table they sat at (see tables.csv); blank if none."),
    ),
    "survey_answers.csv": (
        Column("id", "Pseudonymous id of the respondent (see respondents.csv)."),
        Column("group", "Treatment or Control."),
        Column("wave", "T1: before the discussion; T2: after."),
        Column("item", "Key of the question as asked in this wave (see the codebook's items)."),
        Column(
            "variable",
            "Column of this question in deliberativepolling.csv and survey.sav; a question "
            "asked again after the discussion has the same variable as before. Blank for "
            "free-text questions, which only this file holds.",
        ),
        Column(
            "value",
            "The answer: the point on the scale; the option's code (0 for the first option); "
            "several codes separated by ';' for multiple choice; the text for a text "
            "question. Blank when non_answer is set.",
        ),
        Column("non_answer", "dont_know or prefer_not when the person gave no value; else blank."),
    ),
    "tables.csv": (
        Column("table", "Number of the table (its place in the room's list)."),
        Column("label", "The table's name on the day."),
    ),
    "proposals.csv": (
        Column("proposal", "Number of the proposal, in the panel's order."),
        Column("title", "Title of the proposal."),
        Column("description", "Its description."),
    ),
    "steps.csv": (
        Column("step", "Number of the step in the agenda."),
        Column("kind", "info, survey, discussion, questions, vote or results."),
        Column("title", "Title of the step."),
        Column("minutes", "Planned length in minutes; blank for none."),
    ),
    "arguments.csv": (
        Column("argument", "Number of the argument."),
        Column("step", "Discussion step it was sent in (see steps.csv)."),
        Column("proposal", "Proposal it is about (see proposals.csv); blank for none."),
        Column("stance", "for, against or other."),
        Column("table", "Table that sent it."),
        Column("tables", "Every table that raised it, ';'-separated (duplicates merged in)."),
        Column("submissions", "How many submissions it stands for, itself included."),
        Column("edited", "1 if a facilitator edited the text, else 0."),
        Column("agree", "Statement votes: how many agreed."),
        Column("disagree", "How many disagreed."),
        Column("pass", "How many passed."),
        Column("text", "The argument as approved. Only approved arguments are exported."),
    ),
    "statement_votes.csv": (
        Column("argument", "Argument voted on (see arguments.csv)."),
        Column("id", "Pseudonymous id of the participant who voted."),
        Column("choice", "agree, disagree or pass (the last vote counts)."),
    ),
    "opinion_groups.csv": (
        Column("step", "Discussion step (see steps.csv) whose statement votes were grouped."),
        Column("id", "Pseudonymous id of a participant who voted on statements."),
        Column("group", "Opinion group (A, B, …); blank if they voted on too few statements."),
        Column("x", "Position on the opinion map, first principal component (scaled)."),
        Column("y", "Position on the opinion map, second principal component (scaled)."),
    ),
    "opinion_statements.csv": (
        Column("step", "Discussion step (see steps.csv)."),
        Column("group", "Opinion group (see opinion_groups.csv)."),
        Column("size", "People in the group."),
        Column("argument", "Argument (see arguments.csv)."),
        Column("agree", "How many in the group agreed."),
        Column("disagree", "How many in the group disagreed."),
        Column("pass", "How many in the group passed."),
        Column("p_agree", "(agree + 1) / (votes + 2): the group's smoothed share agreeing."),
        Column("p_disagree", "(disagree + 1) / (votes + 2)."),
        Column("represents", "agree or disagree if the argument represents the group (Pol.is)."),
        Column("consensus", "Group-informed consensus: the product of every group's p_agree."),
        Column("divisiveness", "Largest minus smallest p_agree across the groups."),
    ),
    "questions.csv": (
        Column("question", "Number of the question."),
        Column("step", "Questions step it was written in."),
        Column("table", "Table that sent it."),
        Column("state", "answered, answering (on the projector) or queued (not reached)."),
        Column("order", "Place among the answered (in the order answered) or in the queue."),
        Column("upvotes", "How many participants at other tables supported it."),
        Column("text", "The question. Only questions sent to the expert panel are exported."),
    ),
    "question_upvotes.csv": (
        Column("question", "Question supported (see questions.csv)."),
        Column("id", "Pseudonymous id of the participant who supported it."),
    ),
    "votes.csv": (
        Column("step", "The vote's step."),
        Column("title", "Title of the step."),
        Column("method", "single, approval, dots, borda, schulze or agreement."),
        Column("scope", "individual (secret ballots) or table (one ballot per table)."),
        Column("closed", "1 if the vote was closed and its result frozen, else 0."),
        Column("ballots", "Ballots counted."),
        Column("abstentions", "Ballots that abstained."),
        Column("phone", "Ballots cast on a phone."),
        Column("assisted", "Ballots a facilitator entered for someone."),
        Column("paper", "Paper ballots entered by a facilitator."),
        Column("table_ballots", "Ballots given by a table."),
        Column("closed_at", "When the vote was closed (UTC, ISO 8601)."),
        Column("digest", "SHA-256 of the ballot set as frozen on the day (server's own ids)."),
    ),
    "vote_tallies.csv": (
        Column("step", "The vote's step."),
        Column("option", "Option id: p<number> for a proposal, o<number> for another option."),
        Column("label", "The option's text."),
        Column(
            "place",
            "Place in the result; options sharing a place tie. For schulze an option is "
            "placed above another only if it beats it on strongest paths.",
        ),
        Column(
            "measure",
            "What value counts: votes, approvals, points, borda_points (the Borda count); "
            "beats (Schulze: how many others it beats) and prefer_over:<option> (voters "
            "preferring it to that option); answered_1 … answered_5, answered, agreeing "
            "and adopted (agreement, 1 = adopted). For an open vote, the tally so far.",
        ),
        Column("value", "The number."),
    ),
    "ballots.csv": (
        Column(
            "step",
            "The vote's step. Only votes where each table gave one answer have ballots here; "
            "secret ballots never leave the server, only their tallies.",
        ),
        Column("ballot", "Number of the ballot within the vote."),
        Column("table", "The table whose answer it is."),
        Column("source", "How it was entered (table: by the table's facilitator)."),
        Column("content", "The ballot as JSON, with the option ids of vote_tallies.csv."),
    ),
}
WIDE_FIXED = (
    Column("ID", "Pseudonymous id of the respondent (as id in respondents.csv)."),
    Column("Group", "Treatment or Control."),
    Column("Time", "T1 (before the discussion) or T2 (after)."),
)
SAMPLE = Column(
    "Sample", "Always 1 (All respondents): a grouping for tools that split results by one."
)


def header(name: str) -> list[str]:
    return [column.name for column in COLUMNS[name]]


def _flag(value: bool) -> int:
    return 1 if value else 0


def encode_value(answer: Answer) -> tuple[str, str]:
    """(value, non_answer) as the long file writes them."""
    if answer.non_answer is not None:
        return "", answer.non_answer.value
    if answer.value is not None:
        return str(answer.value), ""
    if answer.choices:
        return ";".join(str(choice) for choice in answer.choices), ""
    return answer.text, ""


# The survey's variables, shared by the wide files and the codebook.


@dataclass(frozen=True)
class Variable:
    """A column of the wide files: one question (both waves), or a part of one.

    `part` says what the column holds: the value itself, whether a knowledge question
    was answered correctly (`correct`), or whether option n of a multiple-choice
    question was chosen (`option:n`).
    """

    name: str
    label: str
    kind: ItemKind
    measure: str
    items: Mapping[Wave, str]
    values: Mapping[int, str]
    part: str = "value"
    item: SurveyItem | None = field(default=None, compare=False)

    def cell(self, answer: Answer | None) -> int | None:
        """The number in the wide files; None for blank (no answer, or a non-answer)."""
        if answer is None or self.item is None:
            return None
        if self.part == "correct":
            return 1 if answer.value is not None and answer.value == self.item.correct else 0
        if answer.non_answer is not None:
            return None
        if self.part.startswith("option:"):
            chosen = answer.choices if answer.value is None else (answer.value,)
            return 1 if int(self.part[7:]) in chosen else 0
        return answer.value


RESERVED = {"id", "group", "time", "sample"}


def survey_variables(record: PanelRecord) -> list[Variable]:
    """Every wide column, in the order of the survey before, then questions only after."""
    items = record.definition.survey_items()
    before = [item for _, wave, item in items if wave is Wave.BEFORE]
    after = [item for _, wave, item in items if wave is Wave.AFTER]
    taken: set[str] = set(RESERVED)

    def fresh(name: str) -> str:
        candidate, n = name, 2
        while candidate.lower() in taken:
            candidate, n = f"{name}_v{n}", n + 1
        taken.add(candidate.lower())
        return candidate

    roots: list[tuple[SurveyItem, dict[Wave, str]]] = []
    repeated: set[str] = set()
    for item in before:
        again = next((a for a in after if a.pairs_with == item.key), None)
        waves = {Wave.BEFORE: item.key}
        if again is not None:
            waves[Wave.AFTER] = again.key
            repeated.add(again.key)
        roots.append((item, waves))
    roots += [(item, {Wave.AFTER: item.key}) for item in after if item.key not in repeated]
    out: list[Variable] = []
    for item, waves in roots:
        if item.kind is ItemKind.TEXT:
            continue
        name = fresh(item.key)
        if item.scale is not None:
            labels = {p: str(p) for p in item.scale.points}
            low = item.low_label or "Disagree"
            high = item.high_label or "Agree"
            labels[item.scale.low] = f"{item.scale.low} {low}"
            labels[item.scale.high] = f"{item.scale.high} {high}"
            out.append(
                Variable(name, item.question, item.kind, "ordinal", waves, labels, item=item)
            )
        elif item.kind is ItemKind.MULTIPLE:
            for n, option in enumerate(item.options):
                out.append(
                    Variable(
                        fresh(f"{item.key}_{n + 1}"),
                        f"{item.question} – {option}",
                        item.kind,
                        "nominal",
                        waves,
                        {0: "Not chosen", 1: "Chosen"},
                        part=f"option:{n}",
                        item=item,
                    )
                )
        else:
            options = dict(enumerate(item.options))
            out.append(
                Variable(name, item.question, item.kind, "nominal", waves, options, item=item)
            )
            if item.kind is ItemKind.KNOWLEDGE:
                out.append(
                    Variable(
                        fresh(f"{item.key}_correct"),
                        f"{item.question} (answered correctly)",
                        item.kind,
                        "ordinal",
                        waves,
                        {0: "Not correct", 1: "Correct"},
                        part="correct",
                        item=item,
                    )
                )
    return out


def variable_of(variables: Sequence[Variable]) -> dict[tuple[Wave, str], str]:
    """Which wide column holds each question's value (the first column of a question)."""
    out: dict[tuple[Wave, str], str] = {}
    for variable in variables:
        for wave, key in variable.items.items():
            out.setdefault((wave, key), variable.name)
    return out


@dataclass(frozen=True)
class WideRow:
    id: str
    group: str
    time: str
    cells: Mapping[str, int | None]
    non_answers: Mapping[str, str]  # variable → dont_know / prefer_not, for the .sav codes


def wide_rows(record: PanelRecord, variables: Sequence[Variable]) -> list[WideRow]:
    group_of = {r.id: r.group for r in record.respondents}
    rows = []
    for wave in (Wave.BEFORE, Wave.AFTER):
        answered: dict[str, dict[str, Answer]] = {}
        for (answer_wave, key), answers in record.answers.items():
            if answer_wave is wave:
                for respondent, answer in answers.items():
                    answered.setdefault(respondent, {})[key] = answer
        for respondent in sorted(answered):
            given = answered[respondent]
            cells: dict[str, int | None] = {}
            missing: dict[str, str] = {}
            for variable in variables:
                item = variable.items.get(wave)
                found = given.get(item) if item else None
                cells[variable.name] = variable.cell(found)
                if (
                    found is not None
                    and found.non_answer is not None
                    and cells[variable.name] is None
                ):
                    missing[variable.name] = found.non_answer.value
            rows.append(
                WideRow(
                    respondent, group_of.get(respondent, "Treatment"), wave.value, cells, missing
                )
            )
    rows.sort(key=lambda row: (row.id, row.time))
    return rows


def deliberative_polling_csv(record: PanelRecord, variables: Sequence[Variable]) -> str:
    names = [column.name for column in WIDE_FIXED] + [v.name for v in variables]
    return csv_text(
        names,
        (
            [row.id, row.group, row.time, *(row.cells[v.name] for v in variables)]
            for row in wide_rows(record, variables)
        ),
    )


# The long files.


def respondents_csv(record: PanelRecord) -> str:
    return csv_text(
        header("respondents.csv"),
        ([r.id, r.group, _flag(r.invited), _flag(r.joined), r.table] for r in record.respondents),
    )


def survey_answers_csv(record: PanelRecord, variables: Sequence[Variable]) -> str:
    group_of = {r.id: r.group for r in record.respondents}
    columns = variable_of(variables)
    rows = []
    for (wave, key), answers in sorted(record.answers.items()):
        for respondent, answer in answers.items():
            value, non_answer = encode_value(answer)
            rows.append(
                [
                    respondent,
                    group_of.get(respondent, "Treatment"),
                    wave.value,
                    key,
                    columns.get((wave, key), ""),
                    value,
                    non_answer,
                ]
            )
    rows.sort(key=lambda row: (row[0], row[2], row[3]))
    return csv_text(header("survey_answers.csv"), rows)


def tables_csv(record: PanelRecord) -> str:
    return csv_text(
        header("tables.csv"), ([n, label] for n, label in enumerate(record.definition.tables, 1))
    )


def proposals_csv(record: PanelRecord) -> str:
    return csv_text(
        header("proposals.csv"),
        ([n, p.title, p.description] for n, p in enumerate(record.definition.proposals, 1)),
    )


def steps_csv(record: PanelRecord) -> str:
    return csv_text(
        header("steps.csv"),
        (
            [n, s.kind, s.title, _minutes(s.timer_seconds)]
            for n, s in enumerate(record.definition.steps, 1)
        ),
    )


def _minutes(seconds: int) -> str:
    if not seconds:
        return ""
    value = seconds / 60
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def arguments_csv(record: PanelRecord) -> str:
    counts: dict[int, Counter[str]] = {}
    for vote in record.statement_votes:
        counts.setdefault(vote.argument, Counter())[vote.choice] += 1
    return csv_text(
        header("arguments.csv"),
        (
            [
                a.number,
                a.step,
                a.proposal,
                a.stance,
                a.table,
                ";".join(str(t) for t in a.tables),
                a.submissions,
                _flag(a.edited),
                counts.get(a.number, Counter())["agree"],
                counts.get(a.number, Counter())["disagree"],
                counts.get(a.number, Counter())["pass"],
                a.text,
            ]
            for a in record.arguments
        ),
    )


def statement_votes_csv(record: PanelRecord) -> str:
    return csv_text(
        header("statement_votes.csv"),
        ([v.argument, v.respondent, v.choice] for v in record.statement_votes),
    )


def questions_csv(record: PanelRecord) -> str:
    upvotes = Counter(u.question for u in record.upvotes)
    return csv_text(
        header("questions.csv"),
        (
            [q.number, q.step, q.table, q.state, q.order, upvotes.get(q.number, 0), q.text]
            for q in record.questions
        ),
    )


def question_upvotes_csv(record: PanelRecord) -> str:
    return csv_text(
        header("question_upvotes.csv"), ([u.question, u.respondent] for u in record.upvotes)
    )


def votes_csv(record: PanelRecord) -> str:
    rows = []
    for vote in record.votes:
        step = record.definition.steps[vote.step - 1]
        settings = record.definition.vote_settings(vote.step)
        if settings is None:
            continue
        frozen = vote.frozen
        record_dict = frozen.result if frozen else vote.running
        sources: Mapping[str, int] = frozen.sources if frozen else {}
        rows.append(
            [
                vote.step,
                step.title,
                settings.config.method,
                settings.scope,
                _flag(frozen is not None),
                frozen.ballots if frozen else (record_dict or {}).get("ballots", ""),
                (record_dict or {}).get("abstentions", ""),
                sources.get("phone", 0) if frozen else "",
                sources.get("assisted", 0) if frozen else "",
                sources.get("paper", 0) if frozen else "",
                sources.get("table", 0) if frozen else "",
                frozen.closed_at.isoformat() if frozen else "",
                frozen.digest if frozen else "",
            ]
        )
    return csv_text(header("votes.csv"), rows)


def vote_tallies_csv(record: PanelRecord) -> str:
    rows: list[list[Any]] = []
    for vote in record.votes:
        settings = record.definition.vote_settings(vote.step)
        data = vote.frozen.result if vote.frozen else vote.running
        if settings is None or data is None:
            continue
        labels = record.definition.option_labels(settings)
        result = result_from_dict(data)
        tiers = getattr(result, "tiers", None) or tuple((o,) for o in result.order)
        places = {o: n for n, tier in enumerate(tiers, start=1) for o in tier}
        for option in result.options:
            for measure, value in _measures(result, option):
                rows.append(
                    [vote.step, option, labels.get(option, option), places[option], measure, value]
                )
    return csv_text(header("vote_tallies.csv"), rows)


UNITS = {"single": "votes", "approval": "approvals", "dots": "points", "borda": "borda_points"}


def _measures(result: Any, option: str) -> list[tuple[str, int]]:
    if result.method == "schulze":
        beats = sum(result.beats(option, other) for other in result.options if other != option)
        return [("beats", beats)] + [
            (f"prefer_over:{other}", result.preferring(option, other))
            for other in result.options
            if other != option
        ]
    if result.method == "agreement":
        proposal = result.proposal(option)
        return [
            *((f"answered_{k}", n) for k, n in enumerate(proposal.distribution, start=1)),
            ("answered", proposal.answered),
            ("agreeing", proposal.agreeing),
            ("adopted", _flag(proposal.adopted)),
        ]
    return [(UNITS[result.method], result.totals[option])]


def ballots_csv(record: PanelRecord) -> str:
    rows = []
    numbers: Counter[int] = Counter()
    for ballot in record.ballots:
        numbers[ballot.step] += 1
        content = json.dumps(ballot.content, sort_keys=True, ensure_ascii=False)
        rows.append([ballot.step, numbers[ballot.step], ballot.table, ballot.source, content])
    return csv_text(header("ballots.csv"), rows)
