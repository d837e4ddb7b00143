"""Arguments: sent from phones on behalf of a table, moderated on the tablet, voted on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.deliberation import moderation
from facilitation.deliberation.arguments import (
    COUNTS_TOWARD_LIMITS,
    Argument,
    SentSoFar,
    discussion_rules,
    submit_argument,
)
from facilitation.deliberation.statements import check_statement_vote
from facilitation.deliberation.states import (
    ArgumentState,
    parse_moderation_mode,
)
from facilitation.errors import N_, Refused
from server.db.models import ArgumentRow, Participant, StatementVote
from server.db.models import Step as StepRow
from server.db.records import argument_of, step_of, store_argument
from server.db.types import utcnow
from server.db.upsert import upsert
from server.live import audiences as aud
from server.ops.common import open_step, row_in_panel
from server.ops.events import Actor
from server.ops.unit import Unit, Units

TOPIC = "arguments"
EVERYONE = (aud.FACILITATORS, aud.DISPLAY, aud.PHONES)


async def seated(session: AsyncSession, panel_id: int, participant_id: int) -> Participant:
    return await row_in_panel(
        session, Participant, participant_id, panel_id, N_("You are not part of this panel.")
    )


def audiences_for(argument: Argument, *, public: bool) -> tuple[str, ...]:
    """Who must re-render after a change to this argument.

    Its table and author always; every phone and the display only when the change
    touches what they may see (it is or was approved).
    """
    own = (aud.FACILITATORS, aud.table(argument.table_id), aud.participant(argument.author_id))
    return (*own, aud.PHONES, aud.DISPLAY) if public else own


async def submit(
    units: Units,
    panel_id: int,
    participant_id: int,
    fields: dict[str, str],
    key: str | None,
) -> dict[str, Any]:
    async def work(unit: Unit) -> dict[str, Any]:
        session = unit.session
        panel = unit.panel
        person = await seated(session, panel_id, participant_id)
        step = await open_step(session, panel)
        rules = discussion_rules(step_of(step))
        now = utcnow()
        new = submit_argument(
            rules,
            parse_moderation_mode(panel.moderation),
            table_id=person.table_id,
            author_id=person.id,
            proposal=fields.get("proposal") or None,
            stance=fields.get("stance", ""),
            text=fields.get("text", ""),
            sent=await _sent_so_far(session, step.id, person, now),
            now=now,
        )
        row = ArgumentRow(
            panel_id=panel_id,
            step_id=step.id,
            table_id=new.table_id,
            author_id=person.id,
            proposal_id=new.proposal_id,
            stance=new.stance.value,
            text=new.text,
            state=new.state.value,
            submitted_at=now,
            merged_tables=[],
        )
        session.add(row)
        await session.flush()
        argument = argument_of(row)
        await unit.record(
            Actor.participant(person.id),
            "argument.submit",
            {"argument": row.id, "table": new.table_id, "state": new.state.value},
            topics=(TOPIC,),
            audiences=audiences_for(argument, public=new.state is ArgumentState.APPROVED),
        )
        return {"argument": row.id, "state": new.state.value}

    return await units.once(panel_id, f"argument:{participant_id}", key, work, content=fields)


async def _sent_so_far(
    session: AsyncSession, step_id: int, person: Participant, now: object
) -> SentSoFar:
    counting = [state.value for state in COUNTS_TOWARD_LIMITS]
    mine = await session.scalar(
        select(func.count()).where(
            ArgumentRow.step_id == step_id,
            ArgumentRow.author_id == person.id,
            ArgumentRow.state.in_(counting),
        )
    )
    table = await session.scalar(
        select(func.count()).where(
            ArgumentRow.step_id == step_id,
            ArgumentRow.table_id == person.table_id,
            ArgumentRow.state.in_(counting),
        )
    )
    recent = list(
        await session.scalars(
            select(ArgumentRow.submitted_at).where(
                ArgumentRow.author_id == person.id,
                ArgumentRow.submitted_at > utcnow() - timedelta(minutes=5),
            )
        )
    )
    return SentSoFar(by_participant=int(mine or 0), by_table=int(table or 0), recent=recent)


async def _load(session: AsyncSession, panel_id: int, argument_id: int) -> ArgumentRow:
    return await row_in_panel(
        session, ArgumentRow, argument_id, panel_id, N_("There is no such argument in this panel.")
    )


async def _has_votes(session: AsyncSession, argument_id: int) -> bool:
    return bool(
        await session.scalar(select(func.count()).where(StatementVote.argument_id == argument_id))
    )


async def author_change(
    units: Units,
    panel_id: int,
    participant_id: int,
    argument_id: int,
    action: str,
    text: str = "",
) -> None:
    """The author edits or withdraws their own argument until a facilitator acts on it."""
    async with units.panel(panel_id) as unit:
        row = await _load(unit.session, panel_id, argument_id)
        before = argument_of(row)
        if action == "withdraw":
            after = moderation.withdraw(before, participant_id)
        else:
            after = moderation.edit_by_author(
                before, participant_id, text, has_votes=await _has_votes(unit.session, row.id)
            )
        store_argument(row, after)
        await unit.record(
            Actor.participant(participant_id),
            f"argument.{action}",
            {"argument": row.id, "before": before.text, "after": after.text},
            topics=(TOPIC,),
            audiences=audiences_for(after, public=before.state is ArgumentState.APPROVED),
        )


async def moderate(
    units: Units,
    panel_id: int,
    actor: Actor,
    argument_id: int,
    action: str,
    *,
    reason: str = "",
    note: str = "",
    text: str = "",
) -> None:
    """approve, hide (with a reason), restore or edit; the original stays in the audit log."""
    async with units.panel(panel_id) as unit:
        row = await _load(unit.session, panel_id, argument_id)
        before = argument_of(row)
        if action == "approve":
            after = moderation.approve(before)
        elif action == "hide":
            after = moderation.hide(before, reason, note)
        elif action == "restore":
            after = moderation.restore(before)
        elif action == "edit":
            after = moderation.edit_by_facilitator(before, text)
        else:
            raise Refused(N_("Unknown moderation action."))
        store_argument(row, after)
        data: dict[str, Any] = {
            "argument": row.id,
            "from": before.state.value,
            "to": after.state.value,
        }
        if action == "edit":
            data.update(original=before.text, edited=after.text)
        if action == "hide":
            data.update(reason=after.hidden_reason, note=after.hidden_note)
        await unit.record(
            actor,
            f"argument.{action}",
            data,
            topics=(TOPIC,),
            audiences=(*EVERYONE, aud.table(row.table_id), aud.participant(row.author_id)),
        )


async def merge(
    units: Units, panel_id: int, actor: Actor, target_id: int, duplicate_ids: list[int]
) -> None:
    """Fold duplicates into one; every original text and table stays in the audit log."""
    async with units.panel(panel_id) as unit:
        target_row = await _load(unit.session, panel_id, target_id)
        rows = [await _load(unit.session, panel_id, i) for i in duplicate_ids]
        if any(r.step_id != target_row.step_id for r in rows):
            raise Refused(N_("Only arguments from the same discussion can be merged."))
        result = moderation.merge(argument_of(target_row), [argument_of(r) for r in rows])
        store_argument(target_row, result.target)
        for row, merged in zip(rows, result.merged, strict=True):
            store_argument(row, merged)
        extra = tuple(
            a for r in rows for a in (aud.table(r.table_id), aud.participant(r.author_id))
        )
        await unit.record(
            actor,
            "argument.merge",
            {
                "target": target_id,
                "merged": [{"argument": r.id, "table": r.table_id, "text": r.text} for r in rows],
            },
            topics=(TOPIC,),
            audiences=(*EVERYONE, aud.table(target_row.table_id), *extra),
        )


async def statement_vote(
    units: Units, panel_id: int, participant_id: int, argument_id: int, choice: str
) -> str:
    """Agree / disagree / pass, once per participant per argument, changeable."""
    async with units.panel(panel_id, lock=False) as unit:
        person = await seated(unit.session, panel_id, participant_id)
        row = await _load(unit.session, panel_id, argument_id)
        step = await unit.session.get(StepRow, row.step_id)
        if step is None or not step.settings.get("statement_votes"):
            raise Refused(N_("Voting on statements is not open in this discussion."))
        vote = check_statement_vote(argument_of(row), person.table_id, choice)
        await upsert(
            unit.session,
            StatementVote,
            {
                "argument_id": row.id,
                "participant_id": person.id,
                "choice": vote.value,
                "updated_at": utcnow(),
            },
            conflict=("argument_id", "participant_id"),
            update=("choice", "updated_at"),
        )
        await unit.record(
            Actor.participant(person.id),
            "statement.vote",
            {"argument": row.id, "choice": vote.value},
            topics=("statement_counts",),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.participant(person.id)),
        )
    return vote.value
