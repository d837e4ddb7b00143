"""A whole panel day in the database, for the report and the export: surveys before and
after (with a control group), arguments and statement votes, expert questions, a secret
vote and a table vote, all closed.

Survey answers, arguments and questions are written as rows, as the screens that make
them would; votes are closed by the real operation so their results are frozen as on
the day. Values are drawn from a seeded generator, so every run sees the same panel.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from facilitation.ballots import config_from_dict, validate
from facilitation.ballots.secrecy import voter_key
from facilitation.recruitment.invites import new_invite_code
from facilitation.survey import Answer, NonAnswer, answer_to_dict
from server.db.models import (
    ArgumentRow,
    Ballot,
    BallotReceipt,
    Invite,
    PanelTable,
    Participant,
    QuestionRow,
    QuestionUpvote,
    StatementVote,
    Step,
    SurveyAnswer,
)
from server.db.types import utcnow
from server.ops import agenda, voting
from server.ops import steps as agenda_steps
from server.ops.events import SYSTEM
from tests.support.day import Day, PanelInfo
from tests.support.deliberation import with_proposals

OPINION_CENTRE = {
    "key": "centre",
    "kind": "opinion",
    "wave": "T1",
    "question": "Should the city centre be closed to private cars?",
    "low_label": "Keep the cars",
    "high_label": "Close it",
}
OPINION_BUSES = {
    "key": "buses",
    "kind": "opinion",
    "wave": "T1",
    "question": "Buses should be free of charge.",
    "some_say": "Free buses bring people out of their cars.",
    "others_say": "The money is better spent on more departures.",
    "low_label": "Disagree",
    "high_label": "Agree",
}
AGREE_TOLLS = {
    "key": "tolls",
    "kind": "agreement",
    "wave": "T1",
    "question": "Road tolls should be higher at rush hour.",
}
KNOW_LANES = {
    "key": "lanes",
    "kind": "knowledge",
    "wave": "T1",
    "question": "How many bus lanes cross the centre?",
    "options": ["One", "Three", "Five"],
    "correct": 1,
}
CHOICE_TRAVEL = {
    "key": "travel",
    "kind": "single",
    "wave": "T1",
    "question": "How do you usually travel to the centre?",
    "options": ["Car", "Bus", "Bicycle", "On foot"],
}
TEXT_WHY = {"key": "why", "kind": "text", "wave": "T2", "question": "What changed your mind?"}
BEFORE_ITEMS = [OPINION_CENTRE, OPINION_BUSES, AGREE_TOLLS, KNOW_LANES, CHOICE_TRAVEL]


def after(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "key": item["key"] + "_2", "wave": "T2", "pairs_with": item["key"]}


AFTER_ITEMS = [*(after(item) for item in BEFORE_ITEMS), TEXT_WHY]


@dataclass
class PanelDay:
    """What the test knows about the panel it made (including what must never leak)."""

    info: PanelInfo
    codes: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # i:<id> / p:<id>, the database's own
    pseudonyms: dict[str, str] = field(default_factory=dict)
    participant_ids: list[int] = field(default_factory=list)
    steps: dict[str, int] = field(default_factory=dict)
    proposals: list[int] = field(default_factory=list)


async def survey_steps(
    day: Day, panel: PanelInfo, before: list[dict[str, Any]], later: list[dict[str, Any]]
) -> tuple[int, int]:
    """Put the items on the panel's two survey steps (T1 first, T2 second)."""
    async with day.services.db.writing() as session:
        steps = list(
            await session.scalars(
                select(Step)
                .where(Step.panel_id == panel.id, Step.kind == "survey")
                .order_by(Step.position)
            )
        )
        steps[0].settings = {"wave": "T1", "items": before}
        steps[1].settings = {"wave": "T2", "items": later}
        return steps[0].id, steps[1].id


async def add_invite(day: Day, panel: PanelInfo, role: str) -> Invite:
    async with day.services.db.writing() as session:
        invite = Invite(
            panel_id=panel.id,
            code=new_invite_code(),
            role=role,
            pseudonym=secrets.token_hex(8),
            recruit_id=4242,
        )
        session.add(invite)
        await session.flush()
        return invite


async def add_participant(
    day: Day, panel: PanelInfo, number: int, table_id: int | None, invite: Invite | None
) -> Participant:
    async with day.services.db.writing() as session:
        person = Participant(
            panel_id=panel.id,
            number=number,
            table_id=table_id,
            pseudonym=secrets.token_hex(8),
            invite_id=invite.id if invite else None,
        )
        session.add(person)
        await session.flush()
        return person


async def table_ids(day: Day, panel: PanelInfo) -> list[int]:
    """The panel's tables, in their order on the seating plan."""
    async with day.services.db.reading() as session:
        return list(
            await session.scalars(
                select(PanelTable.id)
                .where(PanelTable.panel_id == panel.id)
                .order_by(PanelTable.position)
            )
        )


async def add_statements(
    day: Day, panel: PanelInfo, step_id: int, table_id: int, author_id: int, count: int
) -> list[int]:
    """`count` approved arguments written at one table ("Statement number i"): what the
    other tables mark agree / disagree / pass, and the opinion groups are made of."""
    async with day.services.db.writing() as session:
        rows = [
            ArgumentRow(
                panel_id=panel.id,
                step_id=step_id,
                table_id=table_id,
                author_id=author_id,
                proposal_id=None,
                stance="for",
                text=f"Statement number {i}",
                state="approved",
                moderated=True,
            )
            for i in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def add_answers(
    day: Day, panel: PanelInfo, step_id: int, respondent: str, given: dict[str, Answer]
) -> None:
    async with day.services.db.writing() as session:
        for key, answer in given.items():
            session.add(
                SurveyAnswer(
                    panel_id=panel.id,
                    step_id=step_id,
                    respondent=respondent,
                    item_key=key,
                    answer=answer_to_dict(answer),
                )
            )


def _opinion(rng: random.Random, low: int, high: int, shift: float) -> Answer:
    roll = rng.random()
    if roll < 0.06:
        return Answer(non_answer=NonAnswer.DONT_KNOW)
    if roll < 0.09:
        return Answer(non_answer=NonAnswer.PREFER_NOT)
    value = round(rng.gauss((low + high) / 2 + shift, (high - low) / 4))
    return Answer(value=min(high, max(low, value)))


def _answers(rng: random.Random, moved: float, wave: str) -> dict[str, Answer]:
    suffix = "" if wave == "T1" else "_2"
    shift = moved if wave == "T2" else 0.0
    given = {
        "centre" + suffix: _opinion(rng, 0, 10, 1.0 + 2 * shift),
        "buses" + suffix: _opinion(rng, 0, 10, -0.5 + shift),
        "tolls" + suffix: _opinion(rng, 1, 5, 0.5 * shift),
        "lanes" + suffix: Answer(value=1 if rng.random() < 0.4 + 0.4 * shift else 0),
        "travel" + suffix: Answer(value=rng.randrange(4)),
    }
    if wave == "T2" and rng.random() < 0.5:
        given["why"] = Answer(text="Hearing the other tables.")
    return given


async def council_panel(
    day: Day,
    *,
    title: str = "Bergen sentrum",
    language: str = "en",
    participants: int = 12,
    walk_ins: int = 2,
    controls: int = 8,
    seed: int = 7,
) -> PanelDay:
    rng = random.Random(seed)
    info = await day.panel(tables=3, title=title, language=language)
    facts = PanelDay(info)
    facts.proposals = await with_proposals(day, info, "Car-free centre", "Free buses", "Bike lanes")
    before_step, after_step = await survey_steps(day, info, BEFORE_ITEMS, AFTER_ITEMS)
    facts.steps.update(before=before_step, after=after_step)
    tables = await table_ids(day, info)
    people: list[Participant] = []
    for n in range(participants + walk_ins):
        invite = await add_invite(day, info, "participant") if n < participants else None
        if invite is not None:
            facts.codes.append(invite.code)
        person = await add_participant(day, info, n + 1, tables[n % len(tables)], invite)
        people.append(person)
        facts.participant_ids.append(person.id)
        key = f"i:{invite.id}" if invite else f"p:{person.id}"
        facts.keys.append(key)
        facts.pseudonyms[key] = invite.pseudonym if invite else person.pseudonym
        if n < participants - 1:  # one participant never answered before
            await add_answers(day, info, before_step, key, _answers(rng, 0, "T1"))
        await add_answers(day, info, after_step, key, _answers(rng, 1.0, "T2"))
    for _ in range(controls):
        invite = await add_invite(day, info, "control")
        facts.codes.append(invite.code)
        key = f"i:{invite.id}"
        facts.keys.append(key)
        facts.pseudonyms[key] = invite.pseudonym
        await add_answers(day, info, before_step, key, _answers(rng, 0, "T1"))
        if rng.random() < 0.85:
            await add_answers(day, info, after_step, key, _answers(rng, 0.1, "T2"))
    await add_control_invite_never_answered(day, info, facts)

    await _deliberation(day, info, facts, people, tables, rng)
    await _votes(day, info, facts, people, tables, rng)
    return facts


async def add_control_invite_never_answered(day: Day, info: PanelInfo, facts: PanelDay) -> None:
    invite = await add_invite(day, info, "control")
    facts.codes.append(invite.code)
    facts.pseudonyms[f"i:{invite.id}"] = invite.pseudonym


async def _deliberation(
    day: Day,
    info: PanelInfo,
    facts: PanelDay,
    people: list[Participant],
    tables: list[int],
    rng: random.Random,
) -> None:
    async with day.services.db.writing() as session:
        steps = {
            s.kind: s.id
            for s in await session.scalars(
                select(Step).where(Step.panel_id == info.id).order_by(Step.position.desc())
            )
        }
        facts.steps.update(discussion=steps["discussion"], questions=steps["questions"])
        texts = [
            ("for", facts.proposals[0], "Cleaner air for the children walking to school."),
            ("against", facts.proposals[0], "Shops in the centre depend on customers by car."),
            ("for", facts.proposals[1], "Free buses help people with low incomes."),
            ("other", None, "Ask the people who live in the centre first."),
            ("against", facts.proposals[1], "Free buses cost as much as 40 new departures."),
        ]
        arguments = []
        for n, (stance, proposal, text) in enumerate(texts):
            row = ArgumentRow(
                panel_id=info.id,
                step_id=steps["discussion"],
                table_id=tables[n % len(tables)],
                author_id=people[n].id,
                proposal_id=proposal,
                stance=stance,
                text=text,
                state="approved",
                moderated=True,
                edited=n == 2,
                merged_tables=[tables[(n + 1) % len(tables)]] if n == 0 else [],
                merged_submissions=1 if n == 0 else 0,
            )
            session.add(row)
            arguments.append(row)
        for state, text in (("pending", "Never approved."), ("hidden", "Call me on 99 88 77 66.")):
            session.add(
                ArgumentRow(
                    panel_id=info.id,
                    step_id=steps["discussion"],
                    table_id=tables[0],
                    author_id=people[0].id,
                    proposal_id=None,
                    stance="other",
                    text=text,
                    state=state,
                )
            )
        await session.flush()
        for argument in arguments:
            for person in people:
                if person.table_id != argument.table_id and rng.random() < 0.8:
                    session.add(
                        StatementVote(
                            argument_id=argument.id,
                            participant_id=person.id,
                            choice=rng.choice(["agree", "agree", "disagree", "pass"]),
                        )
                    )
        now = utcnow()
        questions = []
        for n, (state, text) in enumerate(
            (
                ("answered", "What will it cost the city?"),
                ("answered", "How did Oslo do it?"),
                ("queued", "Who decides in the end?"),
                ("draft", "Unsent draft"),
            )
        ):
            row = QuestionRow(
                panel_id=info.id,
                step_id=steps["questions"],
                table_id=tables[n % len(tables)],
                author_id=people[n].id,
                text=text,
                state=state,
                sent_at=now if state != "draft" else None,
                answered_at=now.replace(microsecond=n) if state == "answered" else None,
            )
            session.add(row)
            questions.append(row)
        await session.flush()
        for person in people[3:9]:
            session.add(QuestionUpvote(question_id=questions[2].id, participant_id=person.id))
        session.add(QuestionUpvote(question_id=questions[1].id, participant_id=people[5].id))


async def _votes(
    day: Day,
    info: PanelInfo,
    facts: PanelDay,
    people: list[Participant],
    tables: list[int],
    rng: random.Random,
) -> None:
    """A secret agreement vote, then a table vote on a second vote step; both closed."""
    async with day.services.db.reading() as session:
        steps = list(
            await session.scalars(
                select(Step).where(Step.panel_id == info.id).order_by(Step.position)
            )
        )
    vote_index = next(i for i, s in enumerate(steps) if s.kind == "vote")
    first = steps[vote_index].id
    options = [str(p) for p in facts.proposals]
    await agenda_steps.edit_step_settings(
        day.services.units,
        info.id,
        SYSTEM,
        first,
        options,
        {"method": "agreement", "scope": "individual", "results": "reveal", "adopt_percent": "60"},
    )
    await agenda_steps.add_step(
        day.services.units, info.id, SYSTEM, "vote", "Table priorities", "", ""
    )
    async with day.services.db.reading() as session:
        second = await session.scalar(
            select(Step.id).where(Step.panel_id == info.id).order_by(Step.position.desc())
        )
    assert second is not None
    await agenda_steps.edit_step_settings(
        day.services.units,
        info.id,
        SYSTEM,
        second,
        options[:2],
        {
            "method": "approval",
            "scope": "table",
            "results": "live",
            "own_options": "Something else",
        },
    )
    facts.steps.update(vote=first, table_vote=second)
    secret = day.services.settings.secret_key
    await agenda.transition(day.services.units, info.id, SYSTEM, "go_to", vote_index)
    config = config_from_dict({"method": "agreement", "adopt_percent": 60})
    for person in people[:-1]:
        raw = {f"score:p{p}": str(rng.randint(1, 5)) for p in facts.proposals}
        ballot = validate(config, [f"p{p}" for p in facts.proposals], raw)
        async with day.services.db.writing() as session:
            session.add(
                Ballot(
                    id=secrets.token_hex(16),
                    panel_id=info.id,
                    step_id=first,
                    voter=voter_key(secret, first, person.id),
                    content=ballot.to_dict(),
                    source="phone",
                )
            )
            session.add(
                BallotReceipt(step_id=first, participant_id=person.id, table_id=person.table_id)
            )
    async with day.services.db.writing() as session:
        ballot = validate(config, [f"p{p}" for p in facts.proposals], {"score:p" + options[0]: "5"})
        session.add(
            Ballot(
                id=secrets.token_hex(16),
                panel_id=info.id,
                step_id=first,
                voter="paper:" + secrets.token_hex(12),
                content=ballot.to_dict(),
                source="paper",
                table_id=tables[0],
            )
        )
    await voting.close(day.services.units, info.id, SYSTEM)

    await agenda.transition(day.services.units, info.id, SYSTEM, "go_to", len(steps))
    approval = config_from_dict({"method": "approval"})
    table_options = [f"p{options[0]}", f"p{options[1]}", "o1"]
    for n, table in enumerate(tables):
        chosen = table_options[: 1 + n % 3]
        ballot = validate(approval, table_options, {"approve": chosen})
        async with day.services.db.writing() as session:
            session.add(
                Ballot(
                    id=secrets.token_hex(16),
                    panel_id=info.id,
                    step_id=second,
                    voter=f"table:{table}",
                    content=ballot.to_dict(),
                    source="table",
                    table_id=table,
                )
            )
    await voting.close(day.services.units, info.id, SYSTEM)
