"""Creating a panel from an export (a closed record of a panel that ran) or a definition.

Both write in one transaction: a refused or failed import leaves nothing behind. The
portable numbers of the file become this server's ids here, and nothing else changes:

- respondents with an invite become invites (with a fresh code, never printed) and, if
  they took part, a participant linked to it; the others become participants. Their
  pseudonyms are kept, unless one is already taken on this server (the export was made
  here, or imported before), in which case all of them are replaced with new ones;
- survey answers go to the survey step that asks their question;
- arguments and questions need an author; as exports never say who wrote what, each is
  given to someone at the same table (or anyone who took part). Nothing shows authors of
  an imported panel: it is closed and authors are hidden;
- closed votes keep their frozen result, ballot count, sources and fingerprint; the
  ballots of table votes are stored again; secret ballots were never exported.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.agenda import PanelStatus
from facilitation.codes import new_join_code
from facilitation.recruitment.invites import new_invite_codes
from facilitation.survey import Wave, answer_to_dict
from server.db.models import (
    Account,
    ArgumentRow,
    Ballot,
    Invite,
    Panel,
    PanelMember,
    PanelTable,
    Participant,
    Proposal,
    QuestionRow,
    QuestionUpvote,
    StatementVote,
    Step,
    SurveyAnswer,
    VoteResult,
)
from server.db.types import utcnow
from server.ops.events import Actor
from server.ops.panels import JOIN_CODE_LIFETIME
from server.ops.unit import Unit, Units
from server.reporting.definition import Definition
from server.reporting.record import CONTROL, PanelRecord, rename_options
from server.reporting.voice import write_voice

ATTEMPTS = 5


async def create_from_definition(
    units: Units, actor: Actor, account: Account, definition: Definition
) -> int:
    """A new draft panel from a definition (a template), with no data of its own."""
    for _attempt in range(ATTEMPTS):
        try:
            async with units.begin() as unit:
                panel, _tables, _proposals, _steps = await _write_definition(
                    unit.session, account, definition, PanelStatus.DRAFT, runtime=False
                )
                await unit.record(
                    actor,
                    "panel.create",
                    {"title": definition.title, "template": "definition"},
                    panel_id=panel.id,
                )
                return panel.id
        except IntegrityError:
            continue  # a join code collided with another panel's; draw again
    raise RuntimeError("could not find a free join code")


async def import_record(
    units: Units, actor: Actor, account: Account | None, panel: PanelRecord
) -> tuple[int, bool]:
    """A new closed panel holding the record; returns its id and whether ids were replaced."""
    for _attempt in range(ATTEMPTS):
        try:
            async with units.begin() as unit:
                return await _import(unit, actor, account, panel)
        except IntegrityError:
            continue  # a random code or pseudonym collided; draw again
    raise RuntimeError("could not store the imported panel")


async def _write_definition(
    session: AsyncSession,
    account: Account | None,
    definition: Definition,
    status: PanelStatus,
    *,
    runtime: bool,
) -> tuple[Panel, list[int], list[int], list[int]]:
    panel = Panel(
        title=definition.title,
        question=definition.question,
        language=definition.language,
        status=status.value,
        join_code=new_join_code(),
        join_code_expires_at=utcnow() + JOIN_CODE_LIFETIME,
        display_token=secrets.token_urlsafe(24),
        seq=0,
        moderation=definition.moderation,
        authors_visible=definition.authors_visible and not runtime,
        created_by=account.id if account else None,
        created_at=utcnow(),
    )
    session.add(panel)
    await session.flush()
    if account is not None:
        session.add(PanelMember(panel_id=panel.id, account_id=account.id))
    tables = [
        PanelTable(panel_id=panel.id, position=n, label=label)
        for n, label in enumerate(definition.tables, start=1)
    ]
    proposals = [
        Proposal(panel_id=panel.id, position=n, title=p.title, description=p.description)
        for n, p in enumerate(definition.proposals)
    ]
    session.add_all([*tables, *proposals])
    await session.flush()
    proposal_ids = [p.id for p in proposals]
    steps = [
        Step(
            panel_id=panel.id,
            position=n,
            kind=step.kind,
            title=step.title,
            body=step.body,
            timer_seconds=step.timer_seconds,
            settings=stored_settings(step.kind, step.settings, proposal_ids),
            revision=1,
        )
        for n, step in enumerate(definition.steps)
    ]
    session.add_all(steps)
    await session.flush()
    return panel, [t.id for t in tables], proposal_ids, [s.id for s in steps]


def stored_settings(
    kind: str, settings: Mapping[str, Any], proposal_ids: list[int]
) -> dict[str, Any]:
    """A step's portable settings with proposal numbers turned into this server's ids."""
    out = dict(settings)
    if kind == "discussion" and "proposals" in out:
        out["proposals"] = sorted(proposal_ids[n - 1] for n in out["proposals"])
    if kind == "vote" and "vote" in out:
        out["vote"] = rename_options(out["vote"], option_ids(proposal_ids))
    return out


def option_ids(proposal_ids: list[int]) -> dict[str, str]:
    return {f"p{n}": f"p{pid}" for n, pid in enumerate(proposal_ids, start=1)}


async def _import(
    unit: Unit, actor: Actor, account: Account | None, data: PanelRecord
) -> tuple[int, bool]:
    session = unit.session
    panel, table_ids, proposal_ids, step_ids = await _write_definition(
        session, account, data.definition, PanelStatus.CLOSED, runtime=True
    )
    ids = [r.id for r in data.respondents]
    taken = await _taken(session, ids)
    pseudonym = {r: (secrets.token_hex(8) if taken else r) for r in ids}

    def table_id(number: int | None) -> int | None:
        return table_ids[number - 1] if number is not None else None

    codes = iter(new_invite_codes(sum(1 for r in data.respondents if r.invited)))
    invites: dict[str, Invite] = {}
    participants: dict[str, Participant] = {}
    number = 0
    for person in data.respondents:
        invite = None
        if person.invited:
            invite = Invite(
                panel_id=panel.id,
                code=next(codes),
                role="control" if person.group == CONTROL else "participant",
                pseudonym=pseudonym[person.id],
            )
            session.add(invite)
            invites[person.id] = invite
    await session.flush()
    for person in data.respondents:
        if not person.joined:
            continue
        number += 1
        invite = invites.get(person.id)
        participant = Participant(
            panel_id=panel.id,
            number=number,
            table_id=table_id(person.table),
            pseudonym=secrets.token_hex(8) if invite else pseudonym[person.id],
            invite_id=invite.id if invite else None,
        )
        session.add(participant)
        participants[person.id] = participant
    await session.flush()

    def respondent_key(person: str) -> str:
        invite = invites.get(person)
        return f"i:{invite.id}" if invite else f"p:{participants[person].id}"

    step_of_item = {
        (wave, item.key): step_ids[number - 1]
        for number, wave, item in data.definition.survey_items()
    }
    for (wave, key), answers in data.answers.items():
        for respondent, answer in answers.items():
            session.add(
                SurveyAnswer(
                    panel_id=panel.id,
                    step_id=step_of_item[(Wave(wave), key)],
                    respondent=respondent_key(respondent),
                    item_key=key,
                    answer=answer_to_dict(answer),
                )
            )

    everyone = list(participants.values())

    def author(table: int | None) -> int:
        at_table = [p for p in everyone if table is not None and p.table_id == table_id(table)]
        return (at_table or everyone)[0].id

    now = utcnow()
    argument_ids: dict[int, int] = {}
    for argument in data.arguments:
        own = table_id(argument.table)
        row = ArgumentRow(
            panel_id=panel.id,
            step_id=step_ids[argument.step - 1],
            table_id=own if own is not None else 0,
            author_id=author(argument.table),
            proposal_id=proposal_ids[argument.proposal - 1] if argument.proposal else None,
            stance=argument.stance,
            text=argument.text,
            state="approved",
            moderated=True,
            edited=argument.edited,
            merged_tables=sorted(tid for t in argument.tables if (tid := table_ids[t - 1]) != own),
            merged_submissions=argument.submissions - 1,
            submitted_at=now,
        )
        session.add(row)
        await session.flush()
        argument_ids[argument.number] = row.id
    for vote in data.statement_votes:
        session.add(
            StatementVote(
                argument_id=argument_ids[vote.argument],
                participant_id=participants[vote.respondent].id,
                choice=vote.choice,
                updated_at=now,
            )
        )
    question_ids: dict[int, int] = {}
    for question in data.questions:
        row_q = QuestionRow(
            panel_id=panel.id,
            step_id=step_ids[question.step - 1],
            table_id=table_id(question.table) or 0,
            author_id=author(question.table),
            text=question.text,
            state=question.state,
            created_at=now,
            sent_at=now,
            position=question.order if question.state == "queued" else None,
            answered_at=(
                now + timedelta(seconds=question.order) if question.state == "answered" else None
            ),
            moderated=True,
        )
        session.add(row_q)
        await session.flush()
        question_ids[question.number] = row_q.id
    for upvote in data.upvotes:
        session.add(
            QuestionUpvote(
                question_id=question_ids[upvote.question],
                participant_id=participants[upvote.respondent].id,
            )
        )
    options = option_ids(proposal_ids)
    for ballot in data.ballots:
        table = table_id(ballot.table)
        session.add(
            Ballot(
                id=secrets.token_hex(16),
                panel_id=panel.id,
                step_id=step_ids[ballot.step - 1],
                voter=f"table:{table}",
                content=rename_options(ballot.content, options),
                source=ballot.source,
                table_id=table,
            )
        )
    for frozen_vote in data.votes:
        if frozen_vote.frozen is None:
            continue
        result = rename_options(frozen_vote.frozen.result, options)
        session.add(
            VoteResult(
                step_id=step_ids[frozen_vote.step - 1],
                panel_id=panel.id,
                method=str(result["method"]),
                result=result,
                ballots=frozen_vote.frozen.ballots,
                sources=dict(frozen_vote.frozen.sources),
                digest=frozen_vote.frozen.digest,
                closed_at=frozen_vote.frozen.closed_at,
                closed_by=None,
            )
        )
    await write_voice(
        unit.session,
        panel.id,
        data.voice,
        step_ids=step_ids,
        table_ids=table_ids,
        proposal_ids=proposal_ids,
        question_ids=question_ids,
    )
    await unit.record(
        actor,
        "panel.import",
        {
            "title": data.definition.title,
            "respondents": len(data.respondents),
            "arguments": len(data.arguments),
            "questions": len(data.questions),
            "votes": sum(1 for v in data.votes if v.frozen),
            "pseudonyms_replaced": bool(taken),
        },
        panel_id=panel.id,
    )
    return panel.id, bool(taken)


async def _taken(session: AsyncSession, ids: list[str]) -> bool:
    """Whether any of these pseudonyms is already someone's on this server."""
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found = await session.scalar(
            select(Invite.id).where(Invite.pseudonym.in_(chunk)).limit(1)
        ) or await session.scalar(
            select(Participant.id).where(Participant.pseudonym.in_(chunk)).limit(1)
        )
        if found is not None:
            return True
    return False
