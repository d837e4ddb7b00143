"""A rehearsal before the day: a copy of a panel, filled by simulated phones.

The organiser wants to see the projector, the tablets and the venue's network with life
in them before anyone arrives. A rehearsal copies the panel's definition (agenda,
proposals, surveys, tables; no people, no data) into a new panel and runs it in this
server process: N simulated phones join and sit at tables, answer the surveys, write
arguments, mark statements, send and support questions and vote, each at a human
pace, while a simulated facilitator moves through the agenda, approves what waits for
moderation, puts questions to the experts and closes the votes. They go through the
same operations as real phones, so every screen of the copy lives as it will on the
day. The original panel is never written to.

`pace` scales every pause: 1.0 is a calm room (a step takes a minute or two), 0 runs
the whole agenda as fast as the server can (tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette

from facilitation.ballots import validate
from facilitation.errors import N_, Refused
from facilitation.survey import ItemKind, SurveyItem
from facilitation.votes import VoteSettings
from server.db.models import (
    Account,
    ArgumentRow,
    Panel,
    PanelMember,
    Participant,
    QuestionRow,
    Step,
)
from server.db.rows import NotFound
from server.i18n import translate
from server.ops import agenda, arguments, joining, panels, questions, surveys, voting
from server.ops.events import SYSTEM, Actor
from server.services import Services

log = logging.getLogger(__name__)

TITLE = N_("Rehearsal: %(title)s")
STEP_SECONDS = 60.0
"""How long the simulated facilitator gives a step at pace 1 (phones act within it)."""

# What simulated phones write, in the panel's language. Plain sample sentences.
ARGUMENTS = {
    "nb": (
        "Dette gjør det tryggere for barna på vei til skolen.",
        "Det koster mer enn det vi får igjen for det.",
        "Vi må høre på dem som bor i området først.",
        "Det gir renere luft og mindre støy.",
        "Det rammer dem som ikke har noe annet valg.",
    ),
    "nn": (
        "Dette gjer det tryggare for borna på veg til skulen.",
        "Det kostar meir enn det vi får att for det.",
        "Vi må høyre på dei som bur i området først.",
        "Det gir reinare luft og mindre støy.",
        "Det rammar dei som ikkje har noko anna val.",
    ),
    "en": (
        "This makes the way to school safer for children.",
        "It costs more than we get back for it.",
        "We must listen to the people who live there first.",
        "It means cleaner air and less noise.",
        "It hits those who have no other choice.",
    ),
}
QUESTIONS = {
    "nb": ("Hva vil dette koste kommunen?", "Hvordan har andre byer gjort det?"),
    "nn": ("Kva vil dette koste kommunen?", "Korleis har andre byar gjort det?"),
    "en": ("What will this cost the municipality?", "How have other cities done it?"),
}


@dataclass
class Tally:
    """What the simulated room did, for the organiser and the tests."""

    joined: int = 0
    answers: int = 0
    arguments: int = 0
    statement_votes: int = 0
    questions: int = 0
    upvotes: int = 0
    ballots: int = 0
    refused: int = 0


async def copy_panel(services: Services, panel_id: int) -> int:
    """A new, open panel with the original's definition, team and owner, and no data."""
    from server.ops.panel_import import create_from_definition
    from server.reporting.record import load_record

    async with services.db.reading() as session:
        panel = await session.get(Panel, panel_id)
        if panel is None:
            raise NotFound(panel_id)
        owner = await session.get(Account, panel.created_by) if panel.created_by else None
        team = list(
            await session.scalars(
                select(Account.email)
                .join(PanelMember, PanelMember.account_id == Account.id)
                .where(PanelMember.panel_id == panel_id)
            )
        )
        definition = (await load_record(session, panel_id)).definition
    if owner is None:
        raise Refused(N_("This panel has no organiser to own its rehearsal."))
    title = translate(panel.language, TITLE) % {"title": panel.title}
    definition = replace(definition, title=title[:200])
    copy_id = await create_from_definition(services.units, SYSTEM, owner, definition)
    actor = Actor.account(owner.id)
    for email in team:
        with contextlib.suppress(Refused):
            await panels.add_member(services.units, copy_id, actor, email)
    await agenda.transition(services.units, copy_id, SYSTEM, "open")
    return copy_id


@dataclass
class Rehearsal:
    services: Services
    panel_id: int
    phones: int
    pace: float = 1.0
    seed: int | None = None
    tally: Tally = field(default_factory=Tally)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.people: list[int] = []
        self.language = "nb"

    async def run(self) -> Tally:
        async with self.services.db.reading() as session:
            panel = await session.get(Panel, self.panel_id)
            if panel is None:
                raise NotFound(self.panel_id)
            self.language = panel.language if panel.language in ARGUMENTS else "en"
            code = panel.join_code
            steps = list(
                await session.scalars(
                    select(Step).where(Step.panel_id == self.panel_id).order_by(Step.position)
                )
            )
        await self._everyone(lambda _: self._join(code), 0.3, list(range(self.phones)))
        await self._pause(0.2)
        for index, step in enumerate(steps):
            await self._act(
                agenda.transition(
                    self.services.units, self.panel_id, SYSTEM, "start" if index == 0 else "advance"
                )
            )
            await self._step(step)
        log.info("rehearsal of panel %s done: %s", self.panel_id, self.tally)
        return self.tally

    # -- pacing and refusals ---------------------------------------------------------

    async def _pause(self, share: float) -> None:
        """Wait `share` of a step's time at this pace, a little more or less."""
        if self.pace > 0:
            await asyncio.sleep(STEP_SECONDS * share * self.pace * self.rng.uniform(0.6, 1.4))
        else:
            await asyncio.sleep(0)

    async def _act(self, action: Awaitable[Any]) -> bool:
        """Do one thing; a refusal (the rules said no) is counted, never fatal."""
        try:
            await action
        except Refused as refusal:
            self._refused(refusal)
            return False
        return True

    def _refused(self, refusal: Refused) -> None:
        self.tally.refused += 1
        log.debug("rehearsal of panel %s: refused: %s", self.panel_id, refusal)

    async def _everyone(
        self,
        action: Callable[[int], Awaitable[None]],
        spread: float,
        people: list[int] | None = None,
    ) -> None:
        """Every phone does `action`, each at its own moment within `spread` of a step."""

        async def one(person: int) -> None:
            if self.pace > 0:
                await asyncio.sleep(STEP_SECONDS * spread * self.pace * self.rng.random())
            await action(person)

        await asyncio.gather(*(one(person) for person in (people or self.people)))

    # -- the phones ------------------------------------------------------------------

    async def _join(self, code: str) -> None:
        try:
            person = await joining.join(self.services.units, code, None)
        except Refused as refusal:
            self._refused(refusal)
            return
        self.people.append(person.id)
        self.tally.joined += 1

    async def _step(self, step: Step) -> None:
        if step.kind == "survey":
            await self._everyone(lambda person: self._answer(person, step), spread=0.6)
        elif step.kind == "discussion":
            await self._discussion(step)
        elif step.kind == "questions":
            await self._questions(step)
        elif step.kind == "vote":
            await self._vote(step)
        elif step.kind == "results" and not step.settings.get("opinion_items"):
            await self._show_opinions(step)
        await self._pause(0.3)

    async def _answer(self, person: int, step: Step) -> None:
        values = {item.key: self._survey_value(item) for item in surveys.items_of(step)}
        try:
            saved = await surveys.answer(
                self.services.units, self.panel_id, step.id, values, participant_id=person
            )
        except Refused as refusal:
            self._refused(refusal)
            return
        self.tally.answers += saved

    def _survey_value(self, item: SurveyItem) -> list[str]:
        if item.kind is ItemKind.TEXT:
            return [self.rng.choice(ARGUMENTS[self.language])]
        if item.scale is not None:
            return [str(self.rng.choice(list(item.scale.points)))]
        options = range(len(item.options))
        return [str(self.rng.choice(options))]

    async def _discussion(self, step: Step) -> None:
        proposals = [str(p) for p in step.settings.get("proposals") or []]

        async def write(person: int) -> None:
            fields = {
                "stance": self.rng.choice(("for", "against", "for", "other")),
                "text": self.rng.choice(ARGUMENTS[self.language]),
                "proposal": self.rng.choice(proposals) if proposals else "",
            }
            if await self._act(
                arguments.submit(self.services.units, self.panel_id, person, fields, None)
            ):
                self.tally.arguments += 1

        await self._everyone(write, spread=0.5)
        await self._moderate(step)
        if step.settings.get("statement_votes"):
            await self._everyone(lambda person: self._mark(person, step), spread=0.4)

    async def _moderate(self, step: Step) -> None:
        """The facilitator approves what waits, so the wall and the statements fill."""
        async with self.services.db.reading() as session:
            waiting = list(
                await session.scalars(
                    select(ArgumentRow.id).where(
                        ArgumentRow.step_id == step.id, ArgumentRow.state == "pending"
                    )
                )
            )
        for argument in waiting:
            await self._act(
                arguments.moderate(self.services.units, self.panel_id, SYSTEM, argument, "approve")
            )

    async def _mark(self, person: int, step: Step) -> None:
        async with self.services.db.reading() as session:
            table = await session.scalar(
                select(Participant.table_id).where(Participant.id == person)
            )
            others = list(
                await session.scalars(
                    select(ArgumentRow.id).where(
                        ArgumentRow.step_id == step.id,
                        ArgumentRow.state == "approved",
                        ArgumentRow.table_id != table,
                    )
                )
            )
        for argument in self.rng.sample(others, min(3, len(others))):
            choice = self.rng.choice(("agree", "agree", "disagree", "pass"))
            if await self._act(
                arguments.statement_vote(
                    self.services.units, self.panel_id, person, argument, choice
                )
            ):
                self.tally.statement_votes += 1

    async def _questions(self, step: Step) -> None:
        """One phone per table drafts a question and sends it; others support them."""
        by_table: dict[int | None, int] = {}
        table_of: dict[int, int | None] = {}
        async with self.services.db.reading() as session:
            for person, table in await session.execute(
                select(Participant.id, Participant.table_id).where(Participant.id.in_(self.people))
            ):
                by_table.setdefault(table, person)
                table_of[person] = table

        async def ask(person: int) -> None:
            text = self.rng.choice(QUESTIONS[self.language])
            try:
                drafted = await questions.draft(
                    self.services.units, self.panel_id, person, text, None
                )
                await questions.table_action(
                    self.services.units, self.panel_id, person, int(drafted["question"]), "send"
                )
            except Refused as refusal:
                self._refused(refusal)
                return
            self.tally.questions += 1

        await asyncio.gather(*(ask(person) for person in by_table.values()))
        await self._pause(0.2)
        async with self.services.db.reading() as session:
            asked = dict(
                (
                    await session.execute(
                        select(QuestionRow.id, QuestionRow.table_id).where(
                            QuestionRow.step_id == step.id, QuestionRow.state != "draft"
                        )
                    )
                ).all()
            )
        sent = list(asked)
        for question in sent:  # the lead lets them into the queue
            await self._act(
                questions.lead_action(
                    self.services.units, self.panel_id, SYSTEM, question, "approve"
                )
            )
        if step.settings.get("question_upvotes", True) and sent:

            async def support(person: int) -> None:
                others = [q for q in sent if asked[q] != table_of.get(person)]
                if not others:
                    return
                question = self.rng.choice(others)
                if await self._act(
                    questions.upvote(self.services.units, self.panel_id, person, question, True)
                ):
                    self.tally.upvotes += 1

            await self._everyone(support, spread=0.3)
        for question in sent[:2]:
            await self._act(
                questions.lead_action(
                    self.services.units, self.panel_id, SYSTEM, question, "answer_now"
                )
            )
            await self._pause(0.2)
            await self._act(
                questions.lead_action(
                    self.services.units, self.panel_id, SYSTEM, question, "answered"
                )
            )

    async def _vote(self, step: Step) -> None:
        stored = step.settings.get("vote")
        if not stored:
            return
        vote = VoteSettings.from_dict(stored)
        if vote.scope != "table":

            async def cast(person: int) -> None:
                raw = self._ballot(vote)
                if raw is not None and await self._act(
                    voting.cast(
                        self.services.ballots,
                        self.services.settings.secret_key,
                        self.panel_id,
                        person,
                        raw,
                        None,
                    )
                ):
                    self.tally.ballots += 1

            await self._everyone(cast, spread=0.5)
        await self._act(voting.close(self.services.units, self.panel_id, SYSTEM))

    async def _show_opinions(self, step: Step) -> None:
        """The results step shows how opinions moved on every question asked twice."""
        async with self.services.db.reading() as session:
            settings = await session.scalars(
                select(Step.settings).where(Step.panel_id == self.panel_id, Step.kind == "survey")
            )
            keys = [
                str(item["pairs_with"])
                for stored in settings
                for item in stored.get("items", [])
                if item.get("pairs_with") and item.get("kind") in ("opinion", "agreement")
            ]
        if keys:
            await self._act(
                surveys.show_results(self.services.units, self.panel_id, SYSTEM, step.id, keys)
            )

    def _ballot(self, vote: VoteSettings) -> dict[str, list[str]] | None:
        """A random ballot the vote's rules accept (tried against them here first)."""
        options = list(vote.options)
        if not options:
            return None
        shuffled = self.rng.sample(options, len(options))
        budget = getattr(vote.config, "budget", len(options))
        most = getattr(vote.config, "max_per_option", None) or budget
        dots: dict[str, int] = {}
        for _ in range(budget):
            option = self.rng.choice(options)
            if dots.get(option, 0) < most:
                dots[option] = dots.get(option, 0) + 1
        tries = [
            {"approve": shuffled[: self.rng.randint(1, len(options))]},
            {f"rank:{n}": [o] for n, o in enumerate(shuffled, start=1)},
            {f"score:{o}": [str(self.rng.randint(1, 5))] for o in options},
            {f"points:{o}": [str(n)] for o, n in dots.items()},
            {"choice": [shuffled[0]]},
            {"approve": shuffled[:1]},
        ]
        for raw in tries:
            try:
                validate(vote.config, options, raw)
            except Refused:
                continue
            return raw
        return None


# -- rehearsals running in this process ------------------------------------------------

_running: dict[int, asyncio.Task[Tally]] = {}


def start(services: Services, panel_id: int, phones: int, pace: float = 1.0) -> None:
    """Run a rehearsal of the (already copied) panel in the background of this process."""
    task = asyncio.create_task(
        Rehearsal(services, panel_id, phones, pace).run(), name=f"rehearsal-{panel_id}"
    )
    _running[panel_id] = task
    task.add_done_callback(lambda done: _finished(panel_id, done))


def _finished(panel_id: int, task: asyncio.Task[Tally]) -> None:
    _running.pop(panel_id, None)
    if not task.cancelled() and task.exception() is not None:
        log.error("rehearsal of panel %s failed", panel_id, exc_info=task.exception())


def start_copy(
    services: Services,
    panel_id: int,
    phones: int,
    pace: float,
    ready: Callable[[Panel], None] = lambda copy: None,
) -> asyncio.Task[None]:
    """Copy the panel and rehearse the copy, in the background; `ready` gets the copy."""

    async def copy_and_start() -> None:
        copy_id = await copy_panel(services, panel_id)
        async with services.db.reading() as session:
            copy = await session.get(Panel, copy_id)
        assert copy is not None
        ready(copy)
        start(services, copy_id, phones, pace)

    return asyncio.create_task(copy_and_start(), name=f"rehearsal-copy-{panel_id}")


def on_start(
    app: Starlette, panel_id: int, phones: int, pace: float, ready: Callable[[Panel], None]
) -> None:
    """Make `app` start a rehearsal of a copy of the panel once it serves."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Any]:
        async with inner(app) as state:
            _keep.add(start_copy(app.state.services, panel_id, phones, pace, ready))
            yield state

    app.router.lifespan_context = lifespan


_keep: set[asyncio.Task[None]] = set()


async def stop_all() -> None:
    tasks = [*_keep, *_running.values()]
    _keep.clear()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
