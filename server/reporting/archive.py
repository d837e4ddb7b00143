"""Reading an export back: the ZIP's files → a checked `PanelRecord`, or `Invalid`.

Everything is checked before anything is written, so an import either creates the whole
panel or nothing: the definition by the same rules as the setup page, every row of
every file against its header, every reference (respondent, table, step, argument,
question, vote option) against what it refers to, every survey answer against its
question, and the counts that appear twice (statement votes, upvotes, ballots) against
each other. Only the files an import needs are read; the derived ones (codebook, wide
survey files, tallies) are for people and other tools.

Why one module of this size: every file of the ZIP is checked against the
others (references, counts that appear twice), so the checks share one reader
that knows every file read so far.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from facilitation.agenda import PanelStatus
from facilitation.ballots import ballot_from_dict, result_from_dict, tally
from facilitation.deliberation.arguments import ARGUMENT_MAX
from facilitation.deliberation.questions import QUESTION_MAX
from facilitation.errors import N_
from facilitation.survey import Answer, ItemKind, NonAnswer, SurveyItem, Wave, parse_answer
from server.reporting.definition import Definition, definition_from_dict
from server.reporting.export import FORMAT, VERSION
from server.reporting.invalid import Invalid, located
from server.reporting.limits import ROWS_MAX, load_json, read_members
from server.reporting.record import (
    CONTROL,
    TREATMENT,
    ArgumentRecord,
    FrozenVote,
    PanelRecord,
    QuestionRecord,
    Respondent,
    StatementVoteRecord,
    TableBallot,
    UpvoteRecord,
    VoteRecord,
)
from server.reporting.tables import header
from server.reporting.voice import VoiceInvalid, voice_from_dict
from server.web.csv_safe import original_cell

NEEDED = (
    "panel.json",
    "respondents.csv",
    "survey_answers.csv",
    "arguments.csv",
    "statement_votes.csv",
    "questions.csv",
    "question_upvotes.csv",
    "ballots.csv",
)
_PSEUDONYM = re.compile(r"[A-Za-z0-9_-]{1,32}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
SOURCES = ("phone", "assisted", "paper", "table")


def read_archive(data: bytes) -> PanelRecord:
    files = _unzip(data)
    with located(N_("File %(file)s"), file="panel.json"):
        panel = load_json(files["panel.json"])
        if not isinstance(panel, dict) or panel.get("format") != FORMAT:
            raise Invalid(N_("This is not a Borgerpanel export."))
        if panel.get("version") != VERSION:
            raise Invalid(
                N_("This file has version %(version)s of the format; this server reads version 1."),
                version=str(panel.get("version"))[:20],
            )
        definition = definition_from_dict(panel.get("definition"), runtime=True)
        status = panel.get("status")
        if status not in set(PanelStatus):
            raise Invalid(N_("Unknown status of the panel: %(status)s."), status=str(status)[:20])
    reader = _Reader(definition, files)
    respondents = reader.respondents()
    answers = reader.answers(respondents)
    joined = {r.id for r in respondents.values() if r.joined}
    arguments, statement_votes = reader.arguments(joined)
    questions, upvotes = reader.questions(joined)
    if (arguments or questions) and not joined:
        raise Invalid(N_("The export has arguments or questions but nobody who took part."))
    with located(N_("File %(file)s"), file="panel.json"):
        votes = _votes(definition, panel.get("votes", []))
    ballots = reader.ballots()
    with located(N_("File %(file)s"), file="panel.json"):
        try:
            spoken = voice_from_dict(
                panel.get("voice"),
                steps=[step.kind for step in definition.steps],
                tables=len(definition.tables),
                proposals=len(definition.proposals),
                questions=len(questions),
            )
        except (VoiceInvalid, ValueError) as problem:
            raise Invalid(
                N_("The recommendations in the file do not hold together: %(detail)s"),
                detail=str(problem)[:200],
            ) from None
    return PanelRecord(
        definition=definition,
        status=str(status),
        respondents=tuple(respondents[key] for key in sorted(respondents)),
        answers=answers,
        arguments=arguments,
        statement_votes=statement_votes,
        questions=questions,
        upvotes=upvotes,
        votes=votes,
        ballots=ballots,
        voice=spoken,
    )


def _unzip(data: bytes) -> dict[str, bytes]:
    files = read_members(data, NEEDED)
    for name in NEEDED:
        if name not in files:
            raise Invalid(N_("The ZIP file lacks %(file)s; is it an export?"), file=name)
    return files


class _Reader:
    def __init__(self, definition: Definition, files: Mapping[str, bytes]) -> None:
        self.definition = definition
        self.files = files
        self.items: dict[tuple[Wave, str], SurveyItem] = {
            (wave, item.key): item for _, wave, item in definition.survey_items()
        }

    def rows(self, name: str) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows of a CSV file by column name, each checked against the header."""
        try:
            text = self.files[name].decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(N_("%(file)s is not UTF-8 text."), file=name) from None
        expected = header(name)
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            first = next(reader, None)
            if first != expected:
                raise Invalid(
                    N_("%(file)s must have the columns %(columns)s."),
                    file=name,
                    columns=", ".join(expected),
                )
            for line, row in enumerate(reader, start=2):
                if line > ROWS_MAX:
                    raise Invalid(N_("%(file)s has too many rows."), file=name)
                if not row:
                    continue
                with located(N_("%(file)s, line %(line)s"), file=name, line=line):
                    if len(row) != len(expected):
                        raise Invalid(
                            N_("The line has %(found)s fields, not %(wanted)s."),
                            found=len(row),
                            wanted=len(expected),
                        )
                yield line, dict(zip(expected, map(original_cell, row), strict=True))
        except csv.Error:
            raise Invalid(N_("%(file)s is not a valid CSV file."), file=name) from None

    def table(self, value: str, *, blank: bool = True) -> int | None:
        return _number(
            value, len(self.definition.tables), N_("There is no table %(number)s."), blank=blank
        )

    def step(self, value: str, kind: str) -> int:
        number = _number(
            value, len(self.definition.steps), N_("There is no step %(number)s."), blank=False
        )
        assert number is not None
        if self.definition.steps[number - 1].kind != kind:
            raise Invalid(N_("Step %(number)s is not a step of this kind."), number=number)
        return number

    def respondents(self) -> dict[str, Respondent]:
        found: dict[str, Respondent] = {}
        for line, row in self.rows("respondents.csv"):
            with located(N_("%(file)s, line %(line)s"), file="respondents.csv", line=line):
                person = _pseudonym(row["id"])
                if person in found:
                    raise Invalid(N_("The id %(id)s appears twice."), id=person)
                group = _one_of(row["group"], (TREATMENT, CONTROL))
                invited, joined = _flag(row["invited"]), _flag(row["joined"])
                table = self.table(row["table"])
                if not invited and not joined:
                    raise Invalid(N_("Someone without an invite code must have taken part."))
                if group == CONTROL and not invited:
                    raise Invalid(N_("Someone in the control group must have an invite code."))
                if table is not None and not joined:
                    raise Invalid(N_("Someone who did not take part has no table."))
                found[person] = Respondent(person, group, invited, joined, table)
        return found

    def answers(
        self, respondents: Mapping[str, Respondent]
    ) -> dict[tuple[Wave, str], dict[str, Answer]]:
        answers: dict[tuple[Wave, str], dict[str, Answer]] = {}
        for line, row in self.rows("survey_answers.csv"):
            with located(N_("%(file)s, line %(line)s"), file="survey_answers.csv", line=line):
                person = respondents.get(row["id"])
                if person is None:
                    raise Invalid(N_("Unknown id: %(id)s."), id=row["id"][:40])
                if row["group"] != person.group:
                    raise Invalid(N_("The group differs from respondents.csv."))
                wave = Wave(_one_of(row["wave"], (Wave.BEFORE.value, Wave.AFTER.value)))
                item = self.items.get((wave, row["item"]))
                if item is None:
                    raise Invalid(
                        N_("No question %(item)s in wave %(wave)s."),
                        item=row["item"][:40],
                        wave=wave.value,
                    )
                given = answers.setdefault((wave, item.key), {})
                if person.id in given:
                    raise Invalid(N_("A second answer to the same question."))
                given[person.id] = _answer(item, row["value"], row["non_answer"])
        return {key: dict(sorted(values.items())) for key, values in sorted(answers.items())}

    def arguments(
        self, joined: set[str]
    ) -> tuple[tuple[ArgumentRecord, ...], tuple[StatementVoteRecord, ...]]:
        arguments: dict[int, ArgumentRecord] = {}
        counts: dict[int, tuple[int, int, int]] = {}
        for line, row in self.rows("arguments.csv"):
            with located(N_("%(file)s, line %(line)s"), file="arguments.csv", line=line):
                number = _whole(row["argument"], 1)
                if number in arguments:
                    raise Invalid(N_("The number %(number)s appears twice."), number=number)
                table = self.table(row["table"])
                tables = tuple(
                    sorted(
                        {
                            t
                            for part in row["tables"].split(";")
                            if part.strip()
                            and (t := self.table(part.strip(), blank=False)) is not None
                        }
                    )
                )
                if table is not None and table not in tables:
                    raise Invalid(N_("The table that sent it is missing from its tables."))
                arguments[number] = ArgumentRecord(
                    number=number,
                    step=self.step(row["step"], "discussion"),
                    proposal=_number(
                        row["proposal"],
                        len(self.definition.proposals),
                        N_("There is no proposal %(number)s."),
                    ),
                    stance=_one_of(row["stance"], ("for", "against", "other")),
                    text=_text(row["text"], ARGUMENT_MAX),
                    table=table,
                    tables=tables,
                    submissions=_whole(row["submissions"], 1),
                    edited=bool(_flag(row["edited"])),
                )
                counts[number] = (
                    _whole(row["agree"], 0),
                    _whole(row["disagree"], 0),
                    _whole(row["pass"], 0),
                )
        votes: list[StatementVoteRecord] = []
        seen: set[tuple[int, str]] = set()
        tallied: dict[int, Counter[str]] = {}
        for line, row in self.rows("statement_votes.csv"):
            with located(N_("%(file)s, line %(line)s"), file="statement_votes.csv", line=line):
                number = _whole(row["argument"], 1)
                if number not in arguments:
                    raise Invalid(N_("There is no argument %(number)s."), number=number)
                person = _participant(row["id"], joined)
                if (number, person) in seen:
                    raise Invalid(N_("A second vote by the same person on the same argument."))
                seen.add((number, person))
                choice = _one_of(row["choice"], ("agree", "disagree", "pass"))
                tallied.setdefault(number, Counter())[choice] += 1
                votes.append(StatementVoteRecord(number, person, choice))
        for number, (agree, disagree, passed) in counts.items():
            got = tallied.get(number, Counter())
            if (got["agree"], got["disagree"], got["pass"]) != (agree, disagree, passed):
                raise Invalid(
                    N_("The vote counts of argument %(number)s differ from statement_votes.csv."),
                    number=number,
                )
        votes.sort(key=lambda v: (v.argument, v.respondent))
        return tuple(arguments[n] for n in sorted(arguments)), tuple(votes)

    def questions(
        self, joined: set[str]
    ) -> tuple[tuple[QuestionRecord, ...], tuple[UpvoteRecord, ...]]:
        questions: dict[int, QuestionRecord] = {}
        counts: dict[int, int] = {}
        for line, row in self.rows("questions.csv"):
            with located(N_("%(file)s, line %(line)s"), file="questions.csv", line=line):
                number = _whole(row["question"], 1)
                if number in questions:
                    raise Invalid(N_("The number %(number)s appears twice."), number=number)
                questions[number] = QuestionRecord(
                    number=number,
                    step=self.step(row["step"], "questions"),
                    table=self.table(row["table"]),
                    text=_text(row["text"], QUESTION_MAX),
                    state=_one_of(row["state"], ("queued", "answering", "answered")),
                    order=_whole(row["order"], 1),
                )
                counts[number] = _whole(row["upvotes"], 0)
        upvotes: list[UpvoteRecord] = []
        seen: set[tuple[int, str]] = set()
        for line, row in self.rows("question_upvotes.csv"):
            with located(N_("%(file)s, line %(line)s"), file="question_upvotes.csv", line=line):
                number = _whole(row["question"], 1)
                if number not in questions:
                    raise Invalid(N_("There is no question %(number)s."), number=number)
                person = _participant(row["id"], joined)
                if (number, person) in seen:
                    raise Invalid(N_("A second upvote by the same person on the same question."))
                seen.add((number, person))
                upvotes.append(UpvoteRecord(number, person))
        tallied = Counter(upvote.question for upvote in upvotes)
        for number, count in counts.items():
            if tallied.get(number, 0) != count:
                raise Invalid(
                    N_("The upvotes of question %(number)s differ from question_upvotes.csv."),
                    number=number,
                )
        upvotes.sort(key=lambda u: (u.question, u.respondent))
        return tuple(questions[n] for n in sorted(questions)), tuple(upvotes)

    def ballots(self) -> tuple[TableBallot, ...]:
        ballots: list[TableBallot] = []
        seen: set[tuple[int, int]] = set()
        for line, row in self.rows("ballots.csv"):
            with located(N_("%(file)s, line %(line)s"), file="ballots.csv", line=line):
                step = self.step(row["step"], "vote")
                vote = self.definition.vote_settings(step)
                if vote is None or vote.scope != "table":
                    raise Invalid(N_("Only votes where each table answers have ballots here."))
                table = self.table(row["table"], blank=False)
                assert table is not None
                if (step, table) in seen:
                    raise Invalid(N_("A second ballot from the same table."))
                seen.add((step, table))
                if row["source"] != "table":
                    raise Invalid(N_("Unknown kind of ballot."))
                content = load_json(row["content"].encode("utf-8"))
                if not isinstance(content, dict):
                    raise Invalid(N_("The ballot is damaged."))
                try:
                    tally(vote.config, vote.options, [ballot_from_dict(content)])
                except (ValueError, TypeError, KeyError):
                    raise Invalid(N_("The ballot does not fit the vote.")) from None
                ballots.append(TableBallot(step, table, "table", content))
        return tuple(ballots)


def _votes(definition: Definition, raw: object) -> tuple[VoteRecord, ...]:
    if not isinstance(raw, list):
        raise Invalid(N_("The field %(field)s must be a list."), field="votes")
    votes: dict[int, VoteRecord] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            raise Invalid(N_("A vote's record is damaged."))
        number = entry.get("step")
        if isinstance(number, bool) or not isinstance(number, int):
            raise Invalid(N_("A vote's record is damaged."))
        with located(N_("Step %(number)s"), number=number):
            if not 1 <= number <= len(definition.steps) or number in votes:
                raise Invalid(N_("A vote's record is damaged."))
            vote = definition.vote_settings(number)
            if vote is None:
                raise Invalid(N_("Step %(number)s is not a step of this kind."), number=number)
            closed = entry.get("closed")
            if closed is False:
                votes[number] = VoteRecord(number, None)
                continue
            if closed is not True:
                raise Invalid(N_("A vote's record is damaged."))
            votes[number] = VoteRecord(number, _frozen(entry, vote.options))
    return tuple(votes[n] for n in sorted(votes))


def _frozen(entry: Mapping[str, Any], options: Sequence[str]) -> FrozenVote:
    record = entry.get("result")
    if not isinstance(record, dict):
        raise Invalid(N_("A vote's record is damaged."))
    try:
        result = result_from_dict(record)
    except (ValueError, TypeError, KeyError):
        raise Invalid(N_("The vote's result is damaged.")) from None
    if tuple(result.options) != tuple(options):
        raise Invalid(N_("The vote's result does not have the options of its ballot."))
    ballots = entry.get("ballots")
    if isinstance(ballots, bool) or not isinstance(ballots, int) or ballots != result.ballots:
        raise Invalid(N_("The number of ballots differs from the result."))
    sources = entry.get("sources")
    if (
        not isinstance(sources, dict)
        or any(key not in SOURCES for key in sources)
        or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in sources.values())
        or sum(sources.values()) != ballots
    ):
        raise Invalid(N_("The ballots' sources do not add up."))
    digest = entry.get("digest")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise Invalid(N_("The vote's fingerprint is damaged."))
    try:
        closed_at = datetime.fromisoformat(str(entry.get("closed_at")))
    except ValueError:
        raise Invalid(N_("The time the vote closed is damaged.")) from None
    if closed_at.tzinfo is None:
        raise Invalid(N_("The time the vote closed is damaged."))
    return FrozenVote(
        result=result.to_dict(),
        ballots=ballots,
        sources=dict(sources),
        digest=digest,
        closed_at=closed_at.astimezone(UTC),
    )


def _answer(item: SurveyItem, value: str, non_answer: str) -> Answer:
    if non_answer:
        if value:
            raise Invalid(N_("An answer has either a value or a non-answer, not both."))
        return Answer(non_answer=NonAnswer(_one_of(non_answer, tuple(NonAnswer))))
    raw: str | list[str] = value.split(";") if item.kind is ItemKind.MULTIPLE else value
    answer = parse_answer(item, raw)
    if answer is None:
        raise Invalid(N_("The answer is empty."))
    return answer


def _participant(value: str, joined: set[str]) -> str:
    if value not in joined:
        raise Invalid(N_("%(id)s is not someone who took part."), id=value[:40])
    return value


def _pseudonym(value: str) -> str:
    if not _PSEUDONYM.fullmatch(value):
        raise Invalid(N_("An id has 1 to 32 letters, digits, - or _."))
    return value


def _one_of(value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise Invalid(
            N_("%(value)s is not one of %(allowed)s."),
            value=value[:40],
            allowed=", ".join(allowed),
        )
    return value


def _flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise Invalid(N_("A yes/no column holds 1 or 0."))
    return value == "1"


def _whole(value: str, minimum: int) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) < minimum:
        raise Invalid(
            N_("%(value)s is not a whole number of at least %(min)s."),
            value=value[:20],
            min=minimum,
        )
    return int(value)


def _number(value: str, count: int, missing: str, *, blank: bool = True) -> int | None:
    """A reference by number (1 … count) to a table, step or proposal."""
    if not value and blank:
        return None
    number = _whole(value, 1)
    if number > count:
        raise Invalid(missing, number=number)
    return number


def _text(value: str, limit: int) -> str:
    if not value.strip():
        raise Invalid(N_("The text is empty."))
    if len(value) > limit:
        raise Invalid(N_("The text can be at most %(max)s characters."), max=limit)
    return value
