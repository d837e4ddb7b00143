"""Recommendations: drafted at tables, merged, amended, supported and closed.

Each operation loads the open recommendations step, applies a rule of
`facilitation.recommendations` (a refusal changes nothing) and writes the change and
its audit event in one transaction. Every wording is kept in `recommendation_versions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recommendations import amendments, drafts, support
from facilitation.recommendations.amendments import Amendment, AmendmentState
from facilitation.recommendations.drafts import Recommendation, RecommendationState, Version
from facilitation.recommendations.settings import (
    Phase,
    RecommendationSettings,
    checked_setup,
    next_phase,
)
from server.db.models import Panel, Participant, Proposal
from server.db.models import Step as StepRow
from server.db.models_recommendations import (
    AmendmentRow,
    AmendmentVote,
    MinorityStatement,
    RecommendationRow,
    RecommendationVersion,
    SupportLevel,
)
from server.db.recommendation_rows import (
    MARKS,
    SUPPORT,
    TOPIC,
    amendment_of,
    recommendation_of,
    settings_of,
)
from server.db.types import utcnow
from server.db.upsert import upsert
from server.live import audiences as aud
from server.ops.arguments import seated
from server.ops.common import open_step, require_not_closed, row_in_panel
from server.ops.events import Actor
from server.ops.follow_up import follow_up_token
from server.ops.unit import Unit, Units

EVERYONE = (aud.FACILITATORS, aud.DISPLAY, aud.PHONES)


def _store(row: RecommendationRow, recommendation: Recommendation) -> None:
    row.title, row.text, row.version = (
        recommendation.title,
        recommendation.text,
        recommendation.version,
    )
    row.state = recommendation.state.value
    row.tables = list(recommendation.tables)
    row.merged_into = recommendation.merged_into


def _store_amendment(row: AmendmentRow, amendment: Amendment) -> None:
    row.state = amendment.state.value
    row.decided_by = amendment.decided_by.value if amendment.decided_by else None
    row.reason, row.yes, row.no = amendment.reason, amendment.yes, amendment.no
    if not amendment.open:
        row.decided_at = utcnow()


def _keep(session: AsyncSession, recommendation_id: int, version: Version) -> None:
    session.add(
        RecommendationVersion(
            recommendation_id=recommendation_id,
            number=version.number,
            title=version.title,
            text=version.text,
            cause=version.cause.value,
            amendment_id=version.amendment_id,
            created_at=utcnow(),
        )
    )


async def open_recommendations(
    session: AsyncSession, panel: Panel
) -> tuple[StepRow, RecommendationSettings]:
    step = await open_step(session, panel)
    if step.kind != "recommendations":
        raise Refused(N_("No recommendations step is open right now."))
    return step, settings_of(step)


async def _recommendation(
    session: AsyncSession, panel_id: int, step: StepRow, recommendation_id: int
) -> RecommendationRow:
    row = await row_in_panel(
        session,
        RecommendationRow,
        recommendation_id,
        panel_id,
        N_("There is no such recommendation in this panel."),
    )
    if row.step_id != step.id:
        raise Refused(N_("That recommendation belongs to another step."))
    return row


@dataclass(frozen=True)
class OpenStep:
    """A command's unit of work on the open recommendations step."""

    unit: Unit
    step: StepRow
    settings: RecommendationSettings

    async def recommendation(self, recommendation_id: int) -> RecommendationRow:
        return await _recommendation(
            self.unit.session, self.unit.panel.id, self.step, recommendation_id
        )


async def _opened(unit: Unit) -> OpenStep:
    """The open recommendations step, or a refusal that nothing is to do now."""
    step, settings = await open_recommendations(unit.session, unit.panel)
    return OpenStep(unit, step, settings)


async def _at_table(unit: Unit, participant_id: int) -> tuple[Participant, OpenStep]:
    """Who is acting and the open step; someone not in the panel hears that first."""
    person = await seated(unit.session, unit.panel.id, participant_id)
    return person, await _opened(unit)


# The organiser's setup.


async def setup(
    units: Units, panel_id: int, actor: Actor, step_id: int, values: dict[str, str]
) -> None:
    async with units.panel(panel_id) as unit:
        session = unit.session
        panel = unit.panel
        require_not_closed(panel)
        step = await row_in_panel(
            session, StepRow, step_id, panel_id, N_("There is no such step in this panel.")
        )
        if step.kind != "recommendations":
            raise Refused(N_("Only a recommendations step has these settings."))
        if settings_of(step).phase is not Phase.DRAFTING:
            raise Refused(
                N_("The recommendations are under way, so their rules can no longer change.")
            )
        chosen = checked_setup(
            values.get("support_scale", ""),
            values.get("adoption_rule", ""),
            values.get("minority_signing", ""),
            values.get("recommendations_per_table"),
        )
        step.settings = {**step.settings, **chosen}
        step.revision += 1
        await unit.record(
            actor,
            "step.settings",
            {"step": step.id, "settings": step.settings},
            topics=("panel", TOPIC),
            audiences=EVERYONE,
        )


# Drafting, by the tables.


async def draft(
    units: Units,
    panel_id: int,
    participant_id: int,
    fields: dict[str, str],
    key: str | None,
) -> dict[str, Any]:
    async def work(unit: Unit) -> dict[str, Any]:
        session = unit.session
        person, at = await _at_table(unit, participant_id)
        step, settings = at.step, at.settings
        proposal_id = await _proposal(session, panel_id, fields.get("proposal", ""))
        count = await session.scalar(
            select(func.count()).where(
                RecommendationRow.step_id == step.id,
                RecommendationRow.table_id == person.table_id,
                RecommendationRow.state == RecommendationState.ACTIVE.value,
            )
        )
        new = drafts.draft_recommendation(
            settings,
            table_id=person.table_id,
            title=fields.get("title", ""),
            text=fields.get("text", ""),
            proposal_id=proposal_id,
            table_drafts=int(count or 0),
            now=utcnow(),
        )
        row = RecommendationRow(
            panel_id=panel_id,
            step_id=step.id,
            table_id=new.table_id,
            proposal_id=new.proposal_id,
            title=new.title,
            text=new.text,
            version=1,
            state=RecommendationState.ACTIVE.value,
            tables=[new.table_id],
            support={},
            created_at=new.created_at,
        )
        session.add(row)
        await session.flush()
        _keep(session, row.id, drafts.first_version(new))
        await unit.record(
            Actor.participant(person.id),
            "recommendation.draft",
            {"recommendation": row.id, "table": new.table_id},
            topics=(TOPIC,),
            audiences=(aud.table(new.table_id), aud.FACILITATORS, aud.DISPLAY),
        )
        return {"recommendation": row.id}

    return await units.once(panel_id, f"recommendation:{participant_id}", key, work, content=fields)


async def _proposal(session: AsyncSession, panel_id: int, value: str) -> int | None:
    if not value.strip():
        return None
    if not value.isdigit():
        raise Refused(N_("There is no such proposal in this panel."))
    row = await row_in_panel(
        session, Proposal, int(value), panel_id, N_("There is no such proposal in this panel.")
    )
    return row.id


async def table_change(
    units: Units,
    panel_id: int,
    participant_id: int,
    recommendation_id: int,
    action: str,
    fields: dict[str, str],
) -> None:
    """The table edits or withdraws its own draft."""
    async with units.panel(panel_id) as unit:
        person, at = await _at_table(unit, participant_id)
        row = await at.recommendation(recommendation_id)
        before = recommendation_of(row)
        if action == "edit":
            after, version = drafts.edit_draft(
                at.settings,
                before,
                person.table_id,
                fields.get("title", ""),
                fields.get("text", ""),
            )
            _keep(unit.session, row.id, version)
        elif action == "withdraw":
            after = drafts.withdraw_draft(at.settings, before, person.table_id)
        else:
            raise Refused(N_("Unknown action."))
        _store(row, after)
        await unit.record(
            Actor.participant(person.id),
            f"recommendation.{action}",
            {"recommendation": row.id, "before": before.text, "after": after.text},
            topics=(TOPIC,),
            audiences=(aud.table(row.table_id), aud.FACILITATORS, aud.DISPLAY),
        )


# The facilitator: merging, phases.


async def merge(
    units: Units,
    panel_id: int,
    actor: Actor,
    target_id: int,
    other_id: int,
    fields: dict[str, str],
) -> None:
    async with units.panel(panel_id) as unit:
        at = await _opened(unit)
        target = await at.recommendation(target_id)
        other = await at.recommendation(other_id)
        merged, gone, version = drafts.merge(
            at.settings,
            recommendation_of(target),
            recommendation_of(other),
            fields.get("title", ""),
            fields.get("text", ""),
        )
        _store(target, merged)
        _store(other, gone)
        _keep(unit.session, target.id, version)
        await unit.record(
            actor,
            "recommendation.merge",
            {"into": target.id, "merged": other.id, "tables": list(merged.tables)},
            topics=(TOPIC,),
            audiences=EVERYONE,
        )


async def advance_phase(units: Units, panel_id: int, actor: Actor) -> Phase:
    """Move to the next phase; the close freezes each recommendation's outcome and counts."""
    async with units.panel(panel_id) as unit:
        session = unit.session
        at = await _opened(unit)
        step, settings = at.step, at.settings
        after = next_phase(settings.phase)
        outcomes: dict[str, str] = {}
        if after is Phase.CLOSED:
            for row in await _active(session, step.id):
                tally = support.tally_support(settings, await _levels(session, row.id))
                row.outcome = "adopted" if tally.adopted else "not_adopted"
                row.support = {
                    "scale": settings.scale.key,
                    "levels": list(settings.scale.levels),
                    "counts": list(tally.counts),
                    "answered": tally.answered,
                    "supporting": tally.supporting,
                    "rule": settings.rule.key,
                }
                outcomes[str(row.id)] = row.outcome
            await follow_up_token(session, panel_id)  # the phones link to it from now on
        if after is Phase.SUPPORT:
            undecided = await session.scalar(
                select(func.count())
                .select_from(AmendmentRow)
                .join(RecommendationRow, RecommendationRow.id == AmendmentRow.recommendation_id)
                .where(
                    RecommendationRow.step_id == step.id,
                    AmendmentRow.state.in_(("proposed", "voting")),
                )
            )
            if undecided:
                raise Refused(
                    N_("Decide the %(count)s open amendments before the support round."),
                    count=int(undecided),
                )
        step.settings = {**step.settings, "recommendation_phase": after.value}
        await unit.record(
            actor,
            "recommendations.phase",
            {
                "step": step.id,
                "from": settings.phase.value,
                "to": after.value,
                "outcomes": outcomes,
            },
            topics=(TOPIC, SUPPORT, "agenda"),
            audiences=EVERYONE,
        )
    return after


async def _active(session: AsyncSession, step_id: int) -> list[RecommendationRow]:
    rows = await session.scalars(
        select(RecommendationRow)
        .where(
            RecommendationRow.step_id == step_id,
            RecommendationRow.state == RecommendationState.ACTIVE.value,
        )
        .order_by(RecommendationRow.id)
    )
    return list(rows)


async def _levels(session: AsyncSession, recommendation_id: int) -> list[str]:
    return list(
        await session.scalars(
            select(SupportLevel.level).where(SupportLevel.recommendation_id == recommendation_id)
        )
    )


# Amendments.


async def propose_amendment(
    units: Units,
    panel_id: int,
    participant_id: int,
    recommendation_id: int,
    fields: dict[str, str],
    key: str | None,
) -> dict[str, Any]:
    base = fields.get("base_version", "")
    if not base.isdigit():
        raise Refused(N_("Reload the page: the form did not say which text it amends."))

    async def work(unit: Unit) -> dict[str, Any]:
        person, at = await _at_table(unit, participant_id)
        row = await at.recommendation(recommendation_id)
        new = amendments.propose_amendment(
            at.settings,
            recommendation_of(row),
            table_id=person.table_id,
            base_version=int(base),
            text=fields.get("text", ""),
        )
        amendment = AmendmentRow(
            panel_id=panel_id,
            recommendation_id=row.id,
            table_id=new.table_id,
            base_version=new.base_version,
            text=new.text,
            state=AmendmentState.PROPOSED.value,
            reason="",
            yes=0,
            no=0,
            created_at=utcnow(),
        )
        unit.session.add(amendment)
        await unit.session.flush()
        await unit.record(
            Actor.participant(person.id),
            "amendment.propose",
            {"amendment": amendment.id, "recommendation": row.id, "table": new.table_id},
            topics=(TOPIC,),
            audiences=EVERYONE,
        )
        return {"amendment": amendment.id}

    return await units.once(panel_id, f"amendment:{participant_id}", key, work, content=fields)


async def amendment_action(
    units: Units,
    panel_id: int,
    actor: Actor,
    amendment_id: int,
    action: str,
    reason: str = "",
) -> AmendmentState:
    """The facilitator opens or closes a quick vote, or accepts or rejects with a reason."""
    async with units.panel(panel_id) as unit:
        session = unit.session
        at = await _opened(unit)
        settings = at.settings
        row = await _amendment(unit, amendment_id)
        target = await at.recommendation(row.recommendation_id)
        before = amendment_of(row)
        changed: Recommendation | None = None
        version: Version | None = None
        if action == "open_vote":
            after = amendments.open_vote(settings, before)
        elif action == "close_vote":
            yes, no = await _amendment_counts(session, row.id)
            after, changed, version = amendments.close_vote(
                settings, before, recommendation_of(target), yes=yes, no=no
            )
        elif action in ("accept", "reject"):
            after, changed, version = amendments.decide(
                settings,
                before,
                recommendation_of(target),
                accept=action == "accept",
                reason=reason,
            )
        else:
            raise Refused(N_("Unknown action."))
        _store_amendment(row, after)
        if changed is not None and version is not None:
            _store(target, changed)
            _keep(session, target.id, version)
        await unit.record(
            actor,
            f"amendment.{action}",
            {
                "amendment": row.id,
                "recommendation": target.id,
                "state": after.state.value,
                "reason": after.reason,
                "yes": after.yes,
                "no": after.no,
            },
            topics=(TOPIC, MARKS),
            audiences=EVERYONE,
        )
    return after.state


async def _amendment(unit: Unit, amendment_id: int) -> AmendmentRow:
    return await row_in_panel(
        unit.session, AmendmentRow, amendment_id, unit.panel.id, N_("There is no such amendment.")
    )


async def _amendment_counts(session: AsyncSession, amendment_id: int) -> tuple[int, int]:
    rows = await session.execute(
        select(AmendmentVote.choice, func.count())
        .where(AmendmentVote.amendment_id == amendment_id)
        .group_by(AmendmentVote.choice)
    )
    counts = {choice: int(n) for choice, n in rows.all()}
    return counts.get("yes", 0), counts.get("no", 0)


async def amendment_vote(
    units: Units, panel_id: int, participant_id: int, amendment_id: int, choice: str
) -> None:
    """Yes or no in a quick vote; answering again replaces the earlier answer."""
    async with units.panel(panel_id) as unit:
        person, at = await _at_table(unit, participant_id)
        row = await _amendment(unit, amendment_id)
        checked = amendments.check_vote(at.settings, amendment_of(row), choice)
        await upsert(
            unit.session,
            AmendmentVote,
            {"amendment_id": row.id, "participant_id": person.id, "choice": checked.value},
            conflict=("amendment_id", "participant_id"),
            update=("choice",),
        )
        await unit.record(
            Actor.participant(person.id),
            "amendment.vote",
            {"amendment": row.id},
            topics=("amendment_votes", MARKS),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.participant(person.id)),
        )


# Support and minority statements.


async def give_support(
    units: Units, panel_id: int, participant_id: int, recommendation_id: int, level: str
) -> None:
    """A participant's level; giving it again replaces it (the last counts).

    Leaving "cannot support" withdraws the participant's minority statement, so every
    statement shown stands for someone who cannot support.
    """
    async with units.panel(panel_id) as unit:
        session = unit.session
        person, at = await _at_table(unit, participant_id)
        settings = at.settings
        row = await at.recommendation(recommendation_id)
        checked = support.check_support(settings, recommendation_of(row), level)
        await upsert(
            session,
            SupportLevel,
            {
                "recommendation_id": row.id,
                "participant_id": person.id,
                "level": checked,
                "updated_at": utcnow(),
            },
            conflict=("recommendation_id", "participant_id"),
            update=("level", "updated_at"),
        )
        withdrawn = 0
        if checked != settings.scale.cannot:
            result = await session.execute(
                delete(MinorityStatement).where(
                    MinorityStatement.recommendation_id == row.id,
                    MinorityStatement.participant_id == person.id,
                )
            )
            withdrawn = int(getattr(result, "rowcount", 0) or 0)
        await unit.record(
            Actor.participant(person.id),
            "recommendation.support",
            {"recommendation": row.id},  # what was chosen stays out of the log
            topics=(SUPPORT, MARKS) + ((TOPIC,) if withdrawn else ()),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.participant(person.id))
            + ((aud.PHONES,) if withdrawn else ()),
        )


async def write_statement(
    units: Units,
    panel_id: int,
    participant_id: int,
    recommendation_id: int,
    text: str,
    signed: bool,
) -> None:
    async with units.panel(panel_id) as unit:
        session = unit.session
        person, at = await _at_table(unit, participant_id)
        row = await at.recommendation(recommendation_id)
        level = await session.scalar(
            select(SupportLevel.level).where(
                SupportLevel.recommendation_id == row.id,
                SupportLevel.participant_id == person.id,
            )
        )
        statement = support.check_statement(
            at.settings,
            recommendation_of(row),
            level=level,
            table_id=person.table_id,
            text=text,
            signed=signed,
        )
        await upsert(
            session,
            MinorityStatement,
            {
                "recommendation_id": row.id,
                "participant_id": person.id,
                "table_id": statement.table_id,
                "text": statement.text,
                "created_at": utcnow(),
            },
            conflict=("recommendation_id", "participant_id"),
            update=("table_id", "text", "created_at"),
        )
        await unit.record(
            Actor.participant(person.id),
            "recommendation.minority",
            {"recommendation": row.id, "signed": statement.table_id is not None},
            topics=(TOPIC,),
            audiences=EVERYONE,
        )
