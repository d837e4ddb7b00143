"""Priority votes: ballots from phones, tablets and paper; reveal; close and freeze.

Secret ballots keep who voted (a receipt) apart from what was voted (the ballot). The
ballot's `voter` is a keyed hash of step and participant
(`facilitation.ballots.secrecy`), so the server can find and replace a participant's
ballot, while nothing stored or exported links a person to its content. Whether a
ballot may be cast is `facilitation.casting.checked_cast`, for every kind of ballot.
"""

from __future__ import annotations

import secrets
from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.ballots import Raw, ballot_from_dict, digest_ballots, tally, validate
from facilitation.ballots.secrecy import voter_key
from facilitation.casting import NOT_SET_UP, checked_cast, open_vote, stored_vote
from facilitation.errors import N_, Refused
from facilitation.votes import VoteSettings
from server.db.models import Ballot as BallotRow
from server.db.models import BallotReceipt, Panel, PanelTable, Participant, VoteResult
from server.db.models import Step as StepRow
from server.db.types import utcnow
from server.db.upsert import upsert
from server.live import audiences as aud
from server.ops.ballot_writer import BallotRequest, BallotWriter, Cast, ballot_row, store_ballots
from server.ops.events import Actor
from server.ops.fingerprints import fingerprint
from server.ops.unit import Units

TALLY = ("tally",)


async def _current_step(session: AsyncSession, panel: Panel) -> tuple[StepRow | None, bool]:
    """The step open now, and whether it is a vote that has closed."""
    step = await session.get(StepRow, panel.current_step_id) if panel.current_step_id else None
    closed = step is not None and await session.get(VoteResult, step.id) is not None
    return step, closed


async def _vote_step(session: AsyncSession, panel: Panel, *, closed_too: bool) -> StepRow:
    """The vote step open now (refused if none); a closed one only with `closed_too`."""
    step, closed = await _current_step(session, panel)
    open_vote(
        running=panel.status == "running",
        kind=step.kind if step else None,
        closed=closed and not closed_too,
    )
    assert step is not None  # open_vote refuses when nothing is open
    return step


async def _vote_for(
    session: AsyncSession, panel: Panel, source: str, table_id: int | None
) -> tuple[StepRow, VoteSettings]:
    step, closed = await _current_step(session, panel)
    vote = checked_cast(
        running=panel.status == "running" and step is not None,
        kind=step.kind if step else None,
        closed=closed,
        settings=step.settings if step else {},
        source=source,
        table_id=table_id,
    )
    assert step is not None  # checked_cast refuses when nothing is open
    return step, vote


def _audiences(step: StepRow) -> tuple[str, ...]:
    revealed = bool(step.settings.get("vote_revealed"))
    return (aud.FACILITATORS, aud.DISPLAY, *((aud.PHONES,) if revealed else ()))


async def cast(
    ballots: BallotWriter,
    secret: str,
    panel_id: int,
    participant_id: int,
    raw: Raw,
    key: str | None,
) -> Cast:
    """A participant's own secret ballot; casting again replaces it until the vote closes.

    Checked and written by the ballot writer, together with the ballots cast at the
    same moment (see `server.ops.ballot_writer`).
    """
    return await ballots.cast(
        BallotRequest(
            panel_id,
            participant_id,
            raw,
            key,
            voter_of=lambda step_id, person_id: voter_key(secret, step_id, person_id),
            sent=fingerprint(secret, f"ballot:{participant_id}", raw) if key else None,
        )
    )


async def cast_for(
    units: Units,
    secret: str,
    panel_id: int,
    actor: Actor,
    raw: Raw,
    *,
    source: str,
    table_id: int | None = None,
    number: int | None = None,
) -> None:
    """A ballot entered on the tablet: assisted (for someone), paper, or a table's answer."""
    async with units.panel(panel_id) as unit:
        step, vote = await _vote_for(unit.session, unit.panel, source, table_id)
        ballot = validate(vote.config, vote.options, raw)
        if table_id is not None:
            await unit.row(PanelTable, table_id, N_("There is no such table in this panel."))
        if source == "table":
            voter, stored_table = f"table:{table_id}", table_id
        elif source == "assisted" and number is not None:
            person = await unit.session.scalar(
                select(Participant).where(
                    Participant.panel_id == panel_id, Participant.number == number
                )
            )
            if person is None:
                raise Refused(N_("There is no participant number %(number)s."), number=number)
            voter, stored_table = voter_key(secret, step.id, person.id), None
            await upsert(
                unit.session,
                BallotReceipt,
                {
                    "step_id": step.id,
                    "participant_id": person.id,
                    "table_id": person.table_id,
                    "assisted": True,
                },
                conflict=("step_id", "participant_id"),
                update=("assisted",),
            )
        else:
            if table_id is None:
                raise Refused(N_("Choose the table the ballot comes from."))
            voter, stored_table = f"{source}:{secrets.token_hex(12)}", table_id
        await store_ballots(
            unit.session,
            [
                ballot_row(
                    step.panel_id,
                    step.id,
                    voter,
                    ballot.to_dict(),
                    source,
                    table_id=stored_table,
                    entered_by=actor.id,
                )
            ],
        )
        await unit.record(
            actor,
            f"ballot.{source}",
            {"step": step.id, "table": table_id},
            topics=TALLY,
            audiences=_audiences(step),
        )


async def reveal(units: Units, panel_id: int, actor: Actor, shown: bool) -> None:
    async with units.panel(panel_id) as unit:
        step = await _vote_step(unit.session, unit.panel, closed_too=True)
        step.settings = {**step.settings, "vote_revealed": shown}
        await unit.record(
            actor,
            "vote.reveal" if shown else "vote.conceal",
            {"step": step.id},
            topics=("tally", "vote"),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.PHONES),
        )


async def close(units: Units, panel_id: int, actor: Actor) -> None:
    """Freeze the result: the count, the sources and a digest of the ballot set."""
    async with units.panel(panel_id) as unit:
        step = await _vote_step(unit.session, unit.panel, closed_too=False)
        vote = stored_vote(step.settings)
        if vote is None:
            raise Refused(NOT_SET_UP)
        rows = list(
            await unit.session.scalars(select(BallotRow).where(BallotRow.step_id == step.id))
        )
        ballots = [ballot_from_dict(row.content) for row in rows]
        result = tally(vote.config, vote.options, ballots)
        sources = Counter(row.source for row in rows)
        unit.session.add(
            VoteResult(
                step_id=step.id,
                panel_id=panel_id,
                method=vote.config.method,
                result=result.to_dict(),
                ballots=len(rows),
                sources=dict(sources),
                digest=digest_ballots(ballots),
                closed_at=utcnow(),
                closed_by=actor.id,
            )
        )
        step.settings = {**step.settings, "vote_revealed": True}
        await unit.record(
            actor,
            "vote.close",
            {"step": step.id, "ballots": len(rows), "digest": digest_ballots(ballots)},
            topics=("tally", "vote"),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.PHONES),
        )
