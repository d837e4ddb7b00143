"""The codebook: every file of the export, every column of every file, every survey code.

Written in English, the working language of the research community that reads these
files; the questions themselves are quoted as they were asked, in the panel's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from facilitation.survey import ItemKind, Wave
from server.reporting.opinion import method_in_words
from server.reporting.record import PanelRecord
from server.reporting.tables import COLUMNS, SAMPLE, WIDE_FIXED, Variable

FILES = {
    "panel.json": "The panel's definition (title, question, language, tables, proposals, the "
    "agenda with each step's settings and survey questions) and the frozen result of each "
    "closed vote. Steps, tables and proposals are referred to by number; a vote's options "
    "are p<number> for a proposal and o<number> for another option. It is the file an "
    "import reads the panel from.",
    "codebook.md": "This file.",
    "respondents.csv": "Everyone invited, in the control group or present on the day.",
    "survey_answers.csv": "Survey answers in long form: one row per respondent, question and wave.",
    "deliberativepolling.csv": "Survey answers in wide form: one row per respondent and "
    "wave, one column per question; the layout of Stanford's DeliberativePolling package "
    '(ID, Group, Time, then the questions). No answer, "don\'t know" and "prefer not to '
    'answer" are blank.',
    "survey.sav": "The same as deliberativepolling.csv as an SPSS file with variable "
    "labels, value labels and measures, and one more column, Sample (see below). Open it "
    'in SPSS or Jamovi, or run DeliberativePolling\'s outputs("survey.sav") on it.',
    "tables.csv": "The tables.",
    "proposals.csv": "The proposals.",
    "steps.csv": "The agenda.",
    "arguments.csv": "Arguments the tables sent and the facilitators approved, with their "
    "statement-vote counts.",
    "statement_votes.csv": "Each participant's agree / disagree / pass on other tables' arguments.",
    "opinion_groups.csv": "Opinion groups as Pol.is computes them from the statement votes: "
    "each participant's group and place on the opinion map (see Opinion groups below).",
    "opinion_statements.csv": "Per opinion group and argument: votes, shares, whether the "
    "argument represents the group, group-informed consensus and divisiveness.",
    "questions.csv": "Questions the tables sent to the expert panel.",
    "question_upvotes.csv": "Who supported which question.",
    "votes.csv": "Each vote step: method, who voted, ballots and where they came from.",
    "vote_tallies.csv": "The result of each vote, one row per option and measure.",
    "ballots.csv": "Ballots of votes where each table gave one answer.",
}

PRIVACY = (
    "People appear only as random pseudonymous ids, made when they were invited or joined. "
    "No names, contact details, invite codes, database ids or times of joining are "
    "exported, nor who wrote which argument or question, nor anyone's secret ballot. "
    "Arguments and questions that were never approved or sent are left out. Free-text "
    "survey answers are exported as written: read them before sharing the files."
)

CSV_FORMAT = (
    "CSV files are UTF-8, comma-separated, with a header row (RFC 4180); a cell holding a "
    "comma, semicolon, tab, quote or line break is quoted. So that no spreadsheet runs a "
    "cell as a formula (CSV injection), a text cell that starts with =, +, -, @, a tab or a "
    "carriage return is written with an apostrophe (') in front, as is a text cell that "
    "already starts with apostrophes followed by one of these characters. Numbers are written "
    "as they are, so -3 and -0.5 stay numbers. To get the original text, remove that one "
    "leading apostrophe; the import does this."
)


NON_ANSWERS = (
    'Where deliberativepolling.csv leaves "don\'t know" and "prefer not to answer" blank, '
    'survey.sav has 98 ("don\'t know") and 99 ("prefer not to answer"), declared as missing '
    "values and given no value labels. SPSS, Jamovi and DeliberativePolling leave them out "
    'of means and shares; DeliberativePolling counts both in its "DK/NA" row. To tell the '
    "two apart, read the file with user-defined missing values kept (pyreadstat: "
    "user_missing=True; R haven: user_na = TRUE)."
)


def codebook(record: PanelRecord, variables: Sequence[Variable], exported_at: datetime) -> str:
    definition = record.definition
    lines = [
        f"# Codebook: {definition.title}",
        "",
        f"Exported from Borgerpanel on {exported_at:%Y-%m-%d %H:%M} UTC. Export format 1.",
        "",
        f"Question for the panel: {definition.question or '–'}",
        f"Language of the panel: {definition.language}",
        "",
        "## Privacy",
        "",
        PRIVACY,
        "",
        "## Files",
        "",
    ]
    lines += [f"- `{name}`: {text}" for name, text in FILES.items()]
    lines += ["", CSV_FORMAT, ""]
    for name, columns in COLUMNS.items():
        lines += [f"## {name}", "", "| column | meaning |", "| --- | --- |"]
        lines += [f"| `{c.name}` | {_cell(c.meaning)} |" for c in columns]
        lines.append("")
    lines += ["## Opinion groups", "", method_in_words(), ""]
    lines += ["## deliberativepolling.csv", "", "| column | meaning |", "| --- | --- |"]
    lines += [f"| `{c.name}` | {_cell(c.meaning)} |" for c in WIDE_FIXED]
    for variable in variables:
        waves = ", ".join(f"{wave.value}: `{key}`" for wave, key in variable.items.items())
        codes = "; ".join(f"{code} = {text}" for code, text in variable.values.items())
        lines.append(
            f"| `{variable.name}` | {_cell(variable.label)} ({variable.measure}; {waves}). "
            f"{_cell(codes)} |"
        )
    lines += [
        "",
        "## survey.sav",
        "",
        "The columns of deliberativepolling.csv, with the same names, labels and codes, and "
        "one more after `Time`:",
        "",
        "| column | meaning |",
        "| --- | --- |",
        f"| `{SAMPLE.name}` | {_cell(SAMPLE.meaning)} |",
        "",
        NON_ANSWERS,
    ]
    lines += ["", "## Survey questions", ""]
    for number, wave, item in definition.survey_items():
        lines.append(f"### `{item.key}` ({_wave(wave)}, step {number})")
        lines.append("")
        lines.append(f"- Kind: {item.kind.value}")
        lines.append(f"- Question: {_cell(item.question)}")
        if item.balanced:
            lines.append(f"- Some say: {_cell(item.some_say)}")
            lines.append(f"- Others say: {_cell(item.others_say)}")
        if item.scale is not None:
            scale = item.scale
            ends = ""
            if item.low_label:
                ends = f" ({scale.low} = {item.low_label}, {scale.high} = {item.high_label})"
            lines.append(f"- Scale: {scale.low} to {scale.high}, middle {scale.neutral}{ends}")
        for code, option in enumerate(item.options):
            mark = " (correct)" if item.correct == code else ""
            lines.append(f"- Option {code}: {_cell(option)}{mark}")
        if item.kind is ItemKind.MULTIPLE and item.max_choices:
            lines.append(f"- At most {item.max_choices} options")
        if item.pairs_with:
            lines.append(f"- Repeats `{item.pairs_with}` from before the discussion")
        lines.append("- Also possible: dont_know, prefer_not (see non_answer)")
        lines.append("")
    return "\n".join(lines)


def _wave(wave: Wave) -> str:
    return "T1, before" if wave is Wave.BEFORE else "T2, after"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
