"""Priority votes: ballots from phones, tablets and paper; reveal; close and freeze.

Secret ballots keep who voted (a receipt) apart from what was voted (the ballot). The
ballot's `voter` is a keyed hash of step and participant, so the server can find and
replace a participant's ballot, while nothing stored or exported links a person to
its content.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.ballots import Raw, ballot_from_dict, digest_ballots, tally, validate
from facilitation.errors import N_, Refused
from facilitation.votes import VoteSettings
from server.db.models import Ballot as BallotRow
from server.db.models import BallotReceipt, Panel, PanelTable, Participant, VoteResult
from server.db.models import Step as StepRow
from server.db.types import utcnow
from server.db.upsert import upsert
from server.live import audiences as aud
from server.ops.arguments import open_step
from server.ops.ballot_writer import BallotRequest, Cast, vote_settings
from server.ops.common import lock_panel, row_in_panel
from server.ops.events import Actor, record
from server.ops.fingerprints import fingerprint
from server.services import Services

TALLY = ("tally",)


def voter_key(secret: str, step_id: int, participant_id: int) -> str:
    message = f"ballot:{step_id}:{participant_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def settings_of(step: StepRow) -> VoteSettings:
    return vote_settings(step.settings)


async def open_vote(session: AsyncSession, panel: Panel) -> tuple[StepRow, VoteSettings]:
    step = await open_step(session, panel)
    if step.kind != "vote":
        raise Refused(N_("No vote is open right now."))
    if await session.get(VoteResult, step.id) is not None:
        raise Refused(N_("This vote has closed. The results are final."))
    return step, settings_of(step)


def _audiences(step: StepRow) -> tuple[str, ...]:
    revealed = bool(step.settings.get("vote_revealed"))
    return (aud.FACILITATORS, aud.DISPLAY, *((aud.PHONES,) if revealed else ()))


async def _store(
    session: AsyncSession,
    step: StepRow,
    voter: str,
    content: dict[str, Any],
    source: str,
    *,
    table_id: int | None = None,
    entered_by: int | None = None,
) -> None:
    await upsert(
        session,
        BallotRow,
        {
            "id": secrets.token_hex(16),
            "panel_id": step.panel_id,
            "step_id": step.id,
            "voter": voter,
            "content": content,
            "source": source,
            "table_id": table_id,
            "entered_by": entered_by,
        },
        conflict=("step_id", "voter"),
        update=("content", "source", "entered_by"),
    )


async def cast(
    services: Services, panel_id: int, participant_id: int, raw: Raw, key: str | None
) -> Cast:
    """A participant's own secret ballot; casting again replaces it until the vote closes.

    Checked and written by the ballot writer, together with the ballots cast at the
    same moment (see `server.ops.ballot_writer`).
    """
    secret = services.settings.secret_key
    return await services.ballots.cast(
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
    services: Services,
    panel_id: int,
    actor: Actor,
    raw: Raw,
    *,
    source: str,
    table_id: int | None = None,
    number: int | None = None,
) -> None:
    """A ballot entered on the tablet: assisted (for someone), paper, or a table's answer."""
    secret = services.settings.secret_key
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        step, vote = await open_vote(session, panel)
        ballot = validate(vote.config, vote.options, raw)
        if table_id is not None:
            await row_in_panel(
                session, PanelTable, table_id, panel_id, N_("There is no such table in this panel.")
            )
        if source == "table":
            if vote.scope != "table" or table_id is None:
                raise Refused(N_("Choose the table whose answer this is."))
            voter, stored_table = f"table:{table_id}", table_id
        elif vote.scope == "table":
            raise Refused(
                N_("In this vote each table gives one answer, entered by its facilitator.")
            )
        elif source == "assisted" and number is not None:
            person = await session.scalar(
                select(Participant).where(
                    Participant.panel_id == panel_id, Participant.number == number
                )
            )
            if person is None:
                raise Refused(N_("There is no participant number %(number)s."), number=number)
            voter, stored_table = voter_key(secret, step.id, person.id), None
            await upsert(
                session,
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
        elif source in ("assisted", "paper"):
            if table_id is None:
                raise Refused(N_("Choose the table the ballot comes from."))
            voter, stored_table = f"{source}:{secrets.token_hex(12)}", table_id
        else:
            raise Refused(N_("Unknown kind of ballot."))
        await _store(
            session,
            step,
            voter,
            ballot.to_dict(),
            source,
            table_id=stored_table,
            entered_by=actor.id,
        )
        change = await record(
            session,
            panel_id,
            actor,
            f"ballot.{source}",
            {"step": step.id, "table": table_id},
            topics=TALLY,
            audiences=_audiences(step),
        )
    await services.announce(change)


async def reveal(services: Services, panel_id: int, actor: Actor, shown: bool) -> None:
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        step = await open_step(session, panel)
        if step.kind != "vote":
            raise Refused(N_("No vote is open right now."))
        step.settings = {**step.settings, "vote_revealed": shown}
        change = await record(
            session,
            panel_id,
            actor,
            "vote.reveal" if shown else "vote.conceal",
            {"step": step.id},
            topics=("tally", "vote"),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.PHONES),
        )
    await services.announce(change)


async def close(services: Services, panel_id: int, actor: Actor) -> None:
    """Freeze the result: the count, the sources and a digest of the ballot set."""
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        step, vote = await open_vote(session, panel)
        rows = list(await session.scalars(select(BallotRow).where(BallotRow.step_id == step.id)))
        ballots = [ballot_from_dict(row.content) for row in rows]
        result = tally(vote.config, vote.options, ballots)
        sources = Counter(row.source for row in rows)
        session.add(
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
        change = await record(
            session,
            panel_id,
            actor,
            "vote.close",
            {"step": step.id, "ballots": len(rows), "digest": digest_ballots(ballots)},
            topics=("tally", "vote"),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.PHONES),
        )
    await services.announce(change)
