"""Questions for the expert panel: drafted and sent by tables, ordered and answered by the lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.deliberation import plenary, questions
from facilitation.deliberation.questions import (
    COUNTS_TOWARD_LIMITS,
    SENT_STATES,
    Question,
    question_rules,
)
from facilitation.deliberation.states import parse_moderation_mode
from facilitation.errors import N_, Refused
from server.db.models import QuestionRow, QuestionUpvote
from server.db.models import Step as StepRow
from server.db.records import question_of, step_of, store_question
from server.db.types import utcnow
from server.db.upsert import upsert
from server.live import audiences as aud
from server.ops.arguments import seated
from server.ops.common import open_step, row_in_panel
from server.ops.events import Actor
from server.ops.unit import Unit, Units

TOPIC = "questions"
EVERYONE = (aud.FACILITATORS, aud.DISPLAY, aud.PHONES)


async def _load(session: AsyncSession, panel_id: int, question_id: int) -> QuestionRow:
    return await row_in_panel(
        session, QuestionRow, question_id, panel_id, N_("There is no such question in this panel.")
    )


async def _rules_of(session: AsyncSession, row: QuestionRow) -> questions.QuestionRules:
    step = await session.get(StepRow, row.step_id)
    assert step is not None
    return questions.QuestionRules.from_settings(step.settings)


async def draft(
    units: Units, panel_id: int, participant_id: int, text: str, key: str | None
) -> dict[str, Any]:
    async def work(unit: Unit) -> dict[str, Any]:
        session = unit.session
        panel = unit.panel
        person = await seated(session, panel_id, participant_id)
        step = await open_step(session, panel)
        rules = question_rules(step_of(step))
        counting = [s.value for s in COUNTS_TOWARD_LIMITS]
        table_questions = await session.scalar(
            select(func.count()).where(
                QuestionRow.step_id == step.id,
                QuestionRow.table_id == person.table_id,
                QuestionRow.state.in_(counting),
            )
        )
        recent = list(
            await session.scalars(
                select(QuestionRow.created_at).where(
                    QuestionRow.author_id == person.id,
                    QuestionRow.created_at > utcnow() - timedelta(minutes=5),
                )
            )
        )
        new = questions.draft_question(
            rules,
            table_id=person.table_id,
            author_id=person.id,
            text=text,
            table_questions=int(table_questions or 0),
            recent=recent,
            now=utcnow(),
        )
        row = QuestionRow(
            panel_id=panel_id,
            step_id=step.id,
            table_id=new.table_id,
            author_id=person.id,
            text=new.text,
            state="draft",
            created_at=new.created_at,
        )
        session.add(row)
        await session.flush()
        await unit.record(
            Actor.participant(person.id),
            "question.draft",
            {"question": row.id},
            topics=(TOPIC,),
            audiences=(aud.table(new.table_id), aud.FACILITATORS),
        )
        return {"question": row.id}

    return await units.once(panel_id, f"question:{participant_id}", key, work, content=text)


async def table_action(
    units: Units,
    panel_id: int,
    participant_id: int,
    question_id: int,
    action: str,
    text: str = "",
) -> None:
    """What the table does with its own question: edit, withdraw or send it."""
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        person = await seated(unit.session, panel_id, participant_id)
        row = await _load(unit.session, panel_id, question_id)
        before = question_of(row)
        if action == "edit":
            after = questions.edit_question(before, person.table_id, text)
        elif action == "withdraw":
            after = questions.withdraw_question(before, person.table_id)
        elif action == "send":
            sent = await unit.session.scalar(
                select(func.count()).where(
                    QuestionRow.step_id == row.step_id,
                    QuestionRow.table_id == row.table_id,
                    QuestionRow.state.in_([s.value for s in SENT_STATES]),
                )
            )
            after = questions.send_question(
                before,
                person.table_id,
                parse_moderation_mode(panel.moderation),
                await _rules_of(unit.session, row),
                sent_by_table=int(sent or 0),
                now=utcnow(),
            )
        else:
            raise Refused(N_("Unknown question action."))
        store_question(row, after)
        public = after.state.value in ("queued",)
        await unit.record(
            Actor.participant(person.id),
            f"question.{action}",
            {
                "question": row.id,
                "before": before.text,
                "after": after.text,
                "state": after.state.value,
            },
            topics=(TOPIC,),
            audiences=(aud.table(row.table_id), aud.FACILITATORS)
            + ((aud.PHONES, aud.DISPLAY) if public else ()),
        )


async def upvote(
    units: Units, panel_id: int, participant_id: int, question_id: int, on: bool
) -> None:
    async with units.panel(panel_id, lock=False) as unit:
        person = await seated(unit.session, panel_id, participant_id)
        row = await _load(unit.session, panel_id, question_id)
        already = await unit.session.get(QuestionUpvote, (row.id, person.id)) is not None
        if already == on:
            return  # a retry of what is already so: nothing to do, and no error
        question = question_of(row)
        if on:
            plenary.check_upvote(
                question, person.table_id, await _rules_of(unit.session, row), already=already
            )
            # Two taps at once from one phone still make one upvote.
            await upsert(
                unit.session,
                QuestionUpvote,
                {"question_id": row.id, "participant_id": person.id},
                conflict=("question_id", "participant_id"),
                update=("participant_id",),
            )
        else:
            plenary.check_upvote_removal(question, already=already)
            await unit.session.execute(
                delete(QuestionUpvote).where(
                    QuestionUpvote.question_id == row.id, QuestionUpvote.participant_id == person.id
                )
            )
        await unit.record(
            Actor.participant(person.id),
            "question.upvote" if on else "question.unvote",
            {"question": row.id},
            topics=("question_counts",),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.PHONES, aud.participant(person.id)),
        )


async def all_questions(session: AsyncSession, panel_id: int) -> list[Question]:
    rows = await session.scalars(select(QuestionRow).where(QuestionRow.panel_id == panel_id))
    return [question_of(r) for r in rows]


async def lead_action(
    units: Units,
    panel_id: int,
    actor: Actor,
    question_id: int,
    action: str,
    *,
    reason: str = "",
    note: str = "",
    text: str = "",
    to_index: int | None = None,
) -> None:
    """The lead's moves: approve, hide, restore, edit, move, answer_now, put_back, answered."""
    async with units.panel(panel_id) as unit:  # the lock serialises "answering now"
        row = await _load(unit.session, panel_id, question_id)
        before = question_of(row)
        changed: list[tuple[QuestionRow, Question]] = []
        if action == "approve":
            changed.append((row, questions.approve_question(before)))
        elif action == "hide":
            changed.append((row, questions.hide_question(before, reason, note)))
        elif action == "restore":
            changed.append((row, questions.restore_question(before)))
        elif action == "edit":
            changed.append((row, questions.edit_question_by_lead(before, text)))
        elif action == "answer_now":
            everyone = await all_questions(unit.session, panel_id)
            changed.append((row, plenary.answer_now(everyone, question_id)))
        elif action == "put_back":
            changed.append((row, plenary.put_back(before)))
        elif action == "answered":
            changed.append((row, plenary.mark_answered(before, utcnow())))
        elif action == "move":
            changed += await _move(unit.session, panel_id, question_id, to_index)
        else:
            raise Refused(N_("Unknown question action."))
        for target, after in changed:
            store_question(target, after)
        data: dict[str, Any] = {
            "question": row.id,
            "from": before.state.value,
            "to": question_of(row).state.value,
        }
        if action == "edit":
            data.update(original=before.text, edited=text)
        await unit.record(
            actor,
            f"question.{action}",
            data,
            topics=(TOPIC,),
            audiences=(*EVERYONE, aud.table(row.table_id)),
        )


async def _move(
    session: AsyncSession, panel_id: int, question_id: int, to_index: int | None
) -> list[tuple[QuestionRow, Question]]:
    if to_index is None:
        raise Refused(N_("Say where the question should move to."))
    return await rearrange(
        session, panel_id, lambda current: plenary.move_in_queue(current, question_id, to_index)
    )


async def rearrange(
    session: AsyncSession, panel_id: int, arrange: Callable[[list[int]], list[int]]
) -> list[tuple[QuestionRow, Question]]:
    """Give the queue the order `arrange` makes of its current order; the caller stores
    the changed questions and records why."""
    everyone = await all_questions(session, panel_id)
    counts = await upvote_counts(session, panel_id)
    order = arrange([q.id for q in plenary.queue(everyone, counts)])
    rows = {
        r.id: r for r in await session.scalars(select(QuestionRow).where(QuestionRow.id.in_(order)))
    }
    return [(rows[q.id], q) for q in plenary.reorder(everyone, order)]


async def upvote_counts(session: AsyncSession, panel_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(QuestionUpvote.question_id, func.count())
        .join(QuestionRow, QuestionRow.id == QuestionUpvote.question_id)
        .where(QuestionRow.panel_id == panel_id)
        .group_by(QuestionUpvote.question_id)
    )
    return {question_id: int(count) for question_id, count in rows.all()}
