"""The phone during deliberation: the table's arguments and questions, statements to vote on.

Shared fragments are rendered per table; what is personal (your own arguments, how you
voted) is either a small personal fragment or a list of marks that live.js lays over
the shared one, so the expensive parts are still rendered once per table.
"""

from __future__ import annotations

import json
from typing import Any

from facilitation.deliberation import moderation
from facilitation.deliberation.plenary import queue
from facilitation.deliberation.questions import table_may_change
from facilitation.deliberation.states import ArgumentState, QuestionState
from facilitation.deliberation.visibility import argument_view, argument_views, question_views
from server.live import audiences as aud
from server.live.deliberation_view import deliberation
from server.live.view import PanelView
from server.screens.registry import fragment

ARGUMENTS = ("arguments", "agenda", "panel")


@fragment("phone-table-arguments", "table", ARGUMENTS, "participant/_table_arguments.html")
async def table_arguments(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await d.discussion()
    table_id = aud.ident(audience)
    # Visibility says what this table may read; "its arguments" are those it wrote
    # (or that were merged with one it wrote), not every approved one.
    visible = argument_views(await d.arguments(step.id), audience) if step else []
    items = [a for a in visible if table_id in a.tables]
    return {
        "step": step,
        "arguments": list(reversed(items)),
        "proposals": await d.proposal_titles(),
    }


@fragment("phone-my-arguments", "participant", ARGUMENTS, "participant/_my_arguments.html")
async def my_arguments(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await d.discussion()
    me = aud.ident(audience)
    mine = []
    if step is not None:
        tallies = await d.tallies(step.id)
        for argument in reversed(await d.arguments(step.id)):
            if argument.author_id != me or argument.state is ArgumentState.WITHDRAWN:
                continue
            # The author reads their own words as their table does.
            shown = argument_view(argument, aud.table(argument.table_id))
            if shown is None:
                continue
            voted = argument.id in tallies
            mine.append(
                (
                    shown,
                    moderation.author_may_edit(argument, me, has_votes=voted),
                    moderation.author_may_withdraw(argument, me),
                )
            )
    return {"step": step, "mine": mine, "proposals": await d.proposal_titles()}


@fragment("phone-statements", "table", ARGUMENTS, "participant/_statements.html")
async def statements(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await d.discussion()
    items = []
    if step is not None and step.settings.get("statement_votes"):
        table_id = aud.ident(audience)
        for shown in argument_views(await d.arguments(step.id), audience):
            if shown.state is ArgumentState.APPROVED and table_id not in shown.tables:
                items.append(shown)
    return {
        "step": step,
        "statements": list(reversed(items)),
        "proposals": await d.proposal_titles(),
        "labels": await d.table_labels(),
    }


@fragment(
    "phone-marks",
    "participant",
    ("statement_counts", "question_counts", "agenda"),
    "participant/_marks.html",
)
async def marks(view: PanelView, audience: str) -> dict[str, Any]:
    """How this phone voted and upvoted, for live.js to mark the shared buttons."""
    d = deliberation(view)
    me = aud.ident(audience)
    step = await d.discussion()
    votes = await d.my_votes(me, step.id) if step else {}
    return {
        # Plain strings: the template escapes them into the data attributes.
        "votes": json.dumps({str(k): v for k, v in votes.items()}),
        "upvotes": json.dumps(await d.my_upvotes(me)),
    }


QUESTIONS = ("questions", "agenda", "panel")


@fragment("phone-table-questions", "table", QUESTIONS, "participant/_table_questions.html")
async def table_questions(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await d.questions_step()
    table_id = aud.ident(audience)
    own = []
    if step is not None:
        for question in await d.questions():
            if question.table_id == table_id and question.state is not QuestionState.WITHDRAWN:
                shown = question_views([question], audience)
                if shown:
                    own.append(
                        (
                            shown[0],
                            table_may_change(question, table_id),
                            question.state is QuestionState.DRAFT,
                        )
                    )
    return {"step": step, "questions": list(reversed(own))}


@fragment(
    "phone-queue",
    "table",
    ("questions", "question_counts", "agenda", "panel"),
    "participant/_queue.html",
)
async def question_queue(view: PanelView, audience: str) -> dict[str, Any]:
    """Other tables' sent questions, to upvote while the questions step allows it."""
    d = deliberation(view)
    step = await d.questions_step()
    table_id = aud.ident(audience)
    items = []
    if step is not None and step.settings.get("question_upvotes", True):
        everyone = await d.questions()
        counts = await d.upvotes()
        for question in queue(everyone, counts):
            if question.table_id != table_id and question.state is QuestionState.QUEUED:
                shown = question_views([question], audience)
                if shown:
                    items.append((shown[0], counts.get(question.id, 0)))
    return {"step": step, "queue": items, "labels": await d.table_labels()}


@fragment("phone-answering", aud.PHONES, ("questions", "agenda"), "participant/_answering.html")
async def answering(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    now = [
        q
        for q in question_views(await d.questions(), audience)
        if q.state is QuestionState.ANSWERING
    ]
    return {"question": now[0] if now else None, "labels": await d.table_labels()}
