"""Seating the people present at diverse tables: propose a plan, apply it, seat latecomers.

The plan comes from `facilitation.recruitment.tables.seat_diverse` over everyone who
has joined: what is known about a person (their category values) comes from the
recruit their invite code was made for. Someone who joined with the panel's code is
known to nobody, and counts as one more value ("?") of every category, so that they
too are spread over the tables. Proposing stores the plan with its seed; applying it
moves people, and their phones follow them to the new table live. Later arrivals
with a personal code sit where they add most to the mix, without moving anyone
(`table_for_late_arrival`, used by `seat_policy`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recruitment.draw import seed_from_text
from facilitation.recruitment.tables import (
    Cluster,
    Seating,
    seat_diverse,
    seat_late_arrival,
    seating_score,
)
from server.db.models import Invite, PanelTable, Participant
from server.db.models_recruitment import Recruit, SeatingPlan
from server.db.rows import recruitment_of
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.common import row_in_panel
from server.ops.events import Actor
from server.ops.recruitment import problem_json
from server.ops.unit import Units

UNKNOWN = "?"
_PIN = re.compile(r"^\s*(\d+)\D+(\d+)\s*$")
MAX_PINS = 500


@dataclass(frozen=True)
class Room:
    """Who is here and what is known about them, keyed by participant id as a string."""

    tables: list[PanelTable]
    participants: list[Participant]
    traits: dict[str, dict[str, str]]
    categories: list[str]

    @property
    def table_ids(self) -> list[int]:
        return [table.id for table in self.tables]

    def seats(self) -> dict[str, int]:
        ids = set(self.table_ids)
        return {str(p.id): p.table_id for p in self.participants if p.table_id in ids}


async def categories_of(session: AsyncSession, panel_id: int) -> list[str]:
    """What can be seated on: the targets' features, then the extra columns kept."""
    recruitment = await recruitment_of(session, panel_id)
    if recruitment is None:
        return []
    features = [feature for feature, _ in recruitment.targets]
    return features + [c for c in recruitment.extra_columns if c not in features]


async def _known_traits(
    session: AsyncSession, panel_id: int, categories: Sequence[str]
) -> dict[int, dict[str, str]]:
    """Participant id → category values, for those who joined with a personal code."""
    rows = await session.execute(
        select(Participant.id, Recruit.features, Recruit.extras)
        .join(Invite, Invite.id == Participant.invite_id)
        .join(Recruit, Recruit.id == Invite.recruit_id)
        .where(Participant.panel_id == panel_id)
    )
    known = {}
    for participant_id, features, extras in rows.all():
        values = {**(extras or {}), **(features or {})}
        known[participant_id] = {c: str(values.get(c) or UNKNOWN) for c in categories}
    return known


async def room_of(session: AsyncSession, panel_id: int) -> Room:
    tables = list(
        await session.scalars(
            select(PanelTable).where(PanelTable.panel_id == panel_id).order_by(PanelTable.position)
        )
    )
    participants = list(
        await session.scalars(
            select(Participant).where(Participant.panel_id == panel_id).order_by(Participant.number)
        )
    )
    categories = await categories_of(session, panel_id)
    known = await _known_traits(session, panel_id, categories)
    unknown = dict.fromkeys(categories, UNKNOWN)
    traits = {str(p.id): dict(known.get(p.id, unknown)) for p in participants}
    return Room(tables, participants, traits, categories)


async def plans_of(session: AsyncSession, panel_id: int) -> list[SeatingPlan]:
    return list(
        await session.scalars(
            select(SeatingPlan)
            .where(SeatingPlan.panel_id == panel_id)
            .order_by(SeatingPlan.id.desc())
        )
    )


async def _applied(session: AsyncSession, panel_id: int) -> list[SeatingPlan]:
    return list(
        await session.scalars(
            select(SeatingPlan)
            .where(SeatingPlan.panel_id == panel_id, SeatingPlan.state == "applied")
            .order_by(SeatingPlan.id)
        )
    )


def parse_pins(text: str, room: Room) -> dict[str, int]:
    """Lines of "participant number, table number" → participant id → table id."""
    pins: dict[str, int] = {}
    by_number = {p.number: p for p in room.participants}
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_PINS:
        raise Refused(N_("At most %(max)s people can be pinned."), max=MAX_PINS)
    for line in lines:
        found = _PIN.match(line)
        if found is None:
            raise Refused(
                N_(
                    "Write each pin as a participant number and a table number, like "
                    "“12 3”: %(line)s is not."
                ),
                line=line.strip()[:40],
            )
        number, table_number = int(found.group(1)), int(found.group(2))
        person = by_number.get(number)
        if person is None:
            raise Refused(N_("There is no participant number %(number)s."), number=number)
        if not 1 <= table_number <= len(room.tables):
            raise Refused(
                N_("There is no table number %(number)s; the room has %(count)s tables."),
                number=table_number,
                count=len(room.tables),
            )
        pins[str(person.id)] = room.tables[table_number - 1].id
    return pins


def parse_clusters(chosen: Sequence[str], categories: Sequence[str]) -> list[Cluster]:
    clusters = []
    for item in chosen:
        feature, _, value = item.partition("=")
        if feature not in categories or not value:
            raise Refused(N_("Unknown group to keep together."))
        clusters.append(Cluster(feature, value))
    return clusters


def score_json(seating: Seating | None, current: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if seating is not None:
        score = seating.score
        data.update(
            distinct=score.distinct,
            deviation=round(score.deviation, 3),
            repeats=score.repeats,
            total=round(score.total, 3),
        )
    if current is not None:
        data["current"] = {
            "distinct": current.distinct,
            "deviation": round(current.deviation, 3),
            "repeats": current.repeats,
            "total": round(current.total, 3),
        }
    return data


async def propose(
    units: Units,
    panel_id: int,
    actor: Actor,
    diversify: Sequence[str],
    clusters: Sequence[str],
    pins_text: str,
    new_encounters: bool,
    seed_text: str,
) -> int:
    """Compute a plan for everyone present and store it (nobody moves yet)."""
    seed = seed_from_text(seed_text)
    async with units.reading() as session:
        room = await room_of(session, panel_id)
        applied = await _applied(session, panel_id)
    chosen = [c for c in room.categories if c in diversify]
    if not room.categories:
        raise Refused(N_("Upload the pool and issue invite codes before planning the seating."))
    if not chosen:
        raise Refused(N_("Choose at least one category to mix at the tables."))
    if not room.participants:
        raise Refused(N_("Nobody has joined yet, so there is nobody to seat."))
    cluster = parse_clusters(clusters, room.categories)
    pins = parse_pins(pins_text, room)
    earlier: list[dict[str, int]] = []
    if new_encounters:
        current = room.seats()
        if not current and not applied:
            raise Refused(N_("Nobody has sat at a table yet, so there are no earlier rounds."))
        earlier = [current] + [{k: int(v) for k, v in plan.seats.items()} for plan in applied[:-1]]
    seating = await asyncio.to_thread(
        seat_diverse,
        room.traits,
        room.table_ids,
        diversify=chosen,
        cluster=cluster,
        pins=pins,
        earlier_rounds=earlier,
        seed=seed,
    )
    now_seats = room.seats()
    current_score = (
        seating_score(now_seats, room.traits, chosen, earlier)
        if len(now_seats) == len(room.participants)
        else None
    )
    async with units.panel(panel_id) as unit:
        plan = SeatingPlan(
            panel_id=panel_id,
            round=len(applied) + 1,
            state="proposed",
            seed=seed,
            diversify=chosen,
            clusters=[[c.feature, c.value] for c in cluster],
            pins=pins,
            earlier=[plan.id for plan in applied] if new_encounters else [],
            seats=dict(seating.seats),
            score=score_json(seating, current_score),
            notes=[problem_json(note) for note in seating.notes],
            created_at=utcnow(),
            created_by=actor.id,
        )
        unit.session.add(plan)
        await unit.session.flush()
        plan_id = plan.id
        await unit.record(
            actor,
            "seating.propose",
            {"plan": plan_id, "seed": seed, "people": len(seating.seats)},
        )
    return plan_id


async def apply(units: Units, panel_id: int, actor: Actor, plan_id: int) -> int:
    """Move everyone to their planned table; returns how many moved."""
    async with units.panel(panel_id) as unit:
        plan = await row_in_panel(
            unit.session,
            SeatingPlan,
            plan_id,
            panel_id,
            N_("There is no such seating plan in this panel."),
        )
        if plan.state != "proposed":
            raise Refused(N_("This plan has been applied or replaced already."))
        tables = set(
            await unit.session.scalars(select(PanelTable.id).where(PanelTable.panel_id == panel_id))
        )
        if any(int(t) not in tables for t in plan.seats.values()):
            raise Refused(N_("The tables have changed since this plan was made. Make a new plan."))
        participants = {
            str(p.id): p
            for p in await unit.session.scalars(
                select(Participant).where(Participant.panel_id == panel_id)
            )
        }
        moved = []
        for key, table_id in plan.seats.items():
            person = participants.get(key)
            if person is not None and person.table_id != int(table_id):
                person.table_id = int(table_id)
                moved.append(person.id)
        await unit.session.execute(
            update(SeatingPlan)
            .where(SeatingPlan.panel_id == panel_id, SeatingPlan.state == "proposed")
            .values(state="discarded")
        )
        plan.state = "applied"
        plan.applied_at = utcnow()
        await unit.record(
            actor,
            "seating.apply",
            {"plan": plan_id, "round": plan.round, "seed": plan.seed, "moved": len(moved)},
            topics=("tables", "seat"),
            audiences=(aud.FACILITATORS, *(aud.participant(pid) for pid in moved)),
        )
    return len(moved)


async def table_for_late_arrival(
    session: AsyncSession, panel_id: int, invite_id: int, tables: Sequence[int]
) -> int | None:
    """The table for someone joining with a personal code after a plan was applied.

    None when there is no applied plan or nothing is known about them: the caller
    then uses the balanced rule. Nobody already seated moves.
    """
    plan = await session.scalar(
        select(SeatingPlan)
        .where(SeatingPlan.panel_id == panel_id, SeatingPlan.state == "applied")
        .order_by(SeatingPlan.id.desc())
        .limit(1)
    )
    if plan is None or not tables:
        return None
    invite = await session.get(Invite, invite_id)
    if invite is None or invite.panel_id != panel_id or invite.recruit_id is None:
        return None
    recruit = await session.get(Recruit, invite.recruit_id)
    if recruit is None or recruit.panel_id != panel_id:
        return None
    clusters = [Cluster(feature, value) for feature, value in plan.clusters]
    categories = list(dict.fromkeys([*plan.diversify, *(c.feature for c in clusters)]))
    values = {**(recruit.extras or {}), **(recruit.features or {})}
    traits = {c: str(values.get(c) or UNKNOWN) for c in categories}
    known = await _known_traits(session, panel_id, categories)
    unknown = dict.fromkeys(categories, UNKNOWN)
    rows = await session.execute(
        select(Participant.id, Participant.table_id).where(
            Participant.panel_id == panel_id, Participant.table_id.in_(list(tables))
        )
    )
    seats = {str(pid): table_id for pid, table_id in rows.all() if table_id is not None}
    people = {key: known.get(int(key), unknown) for key in seats}
    try:
        return seat_late_arrival(
            "newcomer",
            traits,
            seats,
            people,
            list(tables),
            diversify=list(plan.diversify),
            cluster=clusters,
        )
    except Refused:
        return None
