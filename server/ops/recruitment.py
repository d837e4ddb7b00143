"""Recruitment before the day: targets and pool uploads, confirmations, the split, invites.

Every change follows the usual shape (lock the panel, apply the rule from
`facilitation.recruitment`, record the audit event, announce after commit). Files are
parsed in a worker thread, so a large upload never stalls the live screens, and
nothing is written unless the whole file is right. Contact columns go to their own
table and are read only by `contacts_of` (organiser pages and the mail merge); audit
events and log lines carry counts and column names at most.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recruitment.balance import Difference
from facilitation.recruitment.csvtable import read_table
from facilitation.recruitment.files import parse_people, parse_shares, parse_targets
from facilitation.recruitment.invites import new_invite_code, new_invite_codes
from facilitation.recruitment.lifecycle import (
    HOLDS_A_SEAT,
    Arm,
    Status,
    check_status_change,
    parse_status,
)
from facilitation.recruitment.pool import PeopleFile, Registrant
from facilitation.recruitment.problems import Problem, ProblemsRefused, problem
from facilitation.recruitment.split import split_arms
from facilitation.recruitment.targets import (
    PopulationShares,
    Target,
    Targets,
    target_problems,
    targets_from_shares,
)
from server.db.models import Invite, Participant, SurveyAnswer
from server.db.models_recruitment import (
    ArmSplit,
    Draw,
    Recruit,
    RecruitContact,
    Recruitment,
)
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.common import lock_panel
from server.ops.events import Actor, record
from server.services import Services

MAX_PANEL_SIZE = 10_000
MAX_SLACK = 100
MAX_COLUMN_NAME = 100
MAX_EXTRA_COLUMNS = 10
MAX_EXTERNAL_ID = 100
MAX_REPORTED = 30
TOPICS = ("recruitment",)
AUDIENCES = (aud.FACILITATORS,)
_LIST = re.compile(r"[,;\n]+")


# -- reading what is stored ---------------------------------------------------------


def targets_of(recruitment: Recruitment) -> dict[str, dict[str, Target]]:
    """The stored targets, in the organiser's order."""
    return {
        feature: {
            value: Target(low, high, low_flex, high_flex)
            for value, low, high, low_flex, high_flex in values
        }
        for feature, values in recruitment.targets
    }


def shares_of(recruitment: Recruitment) -> PopulationShares | None:
    if recruitment.shares is None:
        return None
    return {
        feature: {value: Fraction(share) for value, share in values}
        for feature, values in recruitment.shares
    }


def _targets_json(targets: Targets) -> list[Any]:
    return [
        [feature, [[v, t.min, t.max, t.min_flex, t.max_flex] for v, t in values.items()]]
        for feature, values in targets.items()
    ]


def _shares_json(shares: PopulationShares) -> list[Any]:
    return [
        [feature, [[value, str(share)] for value, share in values.items()]]
        for feature, values in shares.items()
    ]


async def recruitment_of(session: AsyncSession, panel_id: int) -> Recruitment | None:
    return await session.get(Recruitment, panel_id)


async def recruits_of(session: AsyncSession, panel_id: int) -> list[Recruit]:
    return list(
        await session.scalars(
            select(Recruit).where(Recruit.panel_id == panel_id).order_by(Recruit.external_id)
        )
    )


def registrant_of(recruit: Recruit, features: Sequence[str]) -> Registrant:
    return Registrant(
        recruit.external_id, {f: recruit.features[f] for f in features}, recruit.household
    )


async def running_draw(session: AsyncSession, panel_id: int) -> Draw | None:
    return await session.scalar(
        select(Draw).where(Draw.panel_id == panel_id, Draw.state == "running").limit(1)
    )


async def _refuse_while_drawing(session: AsyncSession, panel_id: int) -> None:
    if await running_draw(session, panel_id) is not None:
        raise Refused(N_("A draw is running. Wait until it finishes, or stop it, and try again."))


async def contacts_of(session: AsyncSession, panel_id: int) -> dict[int, dict[str, str]]:
    """Contact columns per recruit id. For organiser pages and the mail merge only."""
    rows = await session.execute(
        select(RecruitContact.recruit_id, RecruitContact.data).where(
            RecruitContact.panel_id == panel_id
        )
    )
    return {recruit_id: dict(data) for recruit_id, data in rows.all()}


def problem_json(item: Problem) -> dict[str, Any]:
    """A problem as stored data: the message id and its values, translated when shown."""
    return {
        "message": item.message,
        "params": dict(item.params),
        "line": item.line,
        "column": item.column,
    }


# -- parsing the organiser's input --------------------------------------------------


def whole_number(text: str, *, low: int, high: int, message: str) -> int:
    try:
        number = int(str(text).strip())
    except ValueError:
        raise Refused(message, low=low, high=high) from None
    if not low <= number <= high:
        raise Refused(message, low=low, high=high)
    return number


def column_names(text: str) -> list[str]:
    names = [name.strip() for name in _LIST.split(text or "") if name.strip()]
    if len(names) > MAX_EXTRA_COLUMNS:
        raise Refused(N_("At most %(max)s extra columns can be kept."), max=MAX_EXTRA_COLUMNS)
    if any(len(name) > MAX_COLUMN_NAME for name in names):
        raise Refused(N_("A column name is longer than %(max)s characters."), max=MAX_COLUMN_NAME)
    return names


@dataclass(frozen=True)
class TargetsFile:
    targets: Targets
    shares: PopulationShares | None


def read_targets_file(data: bytes, panel_size: int, slack: int) -> TargetsFile:
    """A targets file (min/max per value) or a shares file (population shares).

    A file with a `share` column holds shares; the targets are then computed for the
    panel size. Every problem is collected before anything is accepted.
    """
    table, _ = read_table(data)
    if table is not None and table.column_index("share") is not None:
        shares = parse_shares(data)
        targets = targets_from_shares(shares, panel_size, slack)
    else:
        shares = None
        targets = parse_targets(data)
    problems = target_problems(targets, panel_size)
    if problems:
        raise ProblemsRefused(problems)
    return TargetsFile(targets, shares)


def _remap(
    recruits: Sequence[Recruit], targets: Targets
) -> tuple[dict[int, dict[str, str]], list[Problem]]:
    """The pool's values under new targets (matched without regard to case), or problems."""
    known = {f: {v.casefold(): v for v in values} for f, values in targets.items()}
    missing_feature: set[str] = set()
    unknown: Counter[tuple[str, str]] = Counter()
    remapped: dict[int, dict[str, str]] = {}
    for recruit in recruits:
        values: dict[str, str] = {}
        for feature in targets:
            old = recruit.features.get(feature)
            if old is None:
                missing_feature.add(feature)
                continue
            new = known[feature].get(str(old).casefold())
            if new is None:
                unknown[(feature, str(old))] += 1
            else:
                values[feature] = new
        remapped[recruit.id] = values
    problems = [
        problem(
            N_(
                "The people file has no column %(feature)s. Upload the people file again "
                "after the targets."
            ),
            feature=feature,
        )
        for feature in sorted(missing_feature)
    ]
    problems += [
        problem(
            N_(
                "%(count)s people in the pool have %(feature)s: %(value)s, which the new "
                "targets do not list."
            ),
            count=count,
            feature=feature,
            value=value,
        )
        for (feature, value), count in sorted(unknown.items())
    ]
    return remapped, problems


# -- uploads ------------------------------------------------------------------------


async def upload_targets(
    services: Services,
    panel_id: int,
    actor: Actor,
    data: bytes,
    filename: str,
    panel_size_text: str,
    slack_text: str,
) -> Recruitment:
    panel_size = whole_number(
        panel_size_text,
        low=1,
        high=MAX_PANEL_SIZE,
        message=N_("The panel size must be a whole number from %(low)s to %(high)s."),
    )
    slack = whole_number(
        slack_text or "0",
        low=0,
        high=MAX_SLACK,
        message=N_("The slack must be a whole number from %(low)s to %(high)s."),
    )
    if not data:
        raise ProblemsRefused([problem(N_("Line %(line)s: the file is empty."), line=1)])
    parsed = await asyncio.to_thread(read_targets_file, data, panel_size, slack)
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        await _refuse_while_drawing(session, panel_id)
        recruitment = await recruitment_of(session, panel_id)
        recruits = await recruits_of(session, panel_id)
        remapped, problems = _remap(recruits, parsed.targets)
        if problems:
            raise ProblemsRefused(
                problems,
                one=N_("The targets were not saved: they do not fit the pool."),
                many=N_("The targets were not saved: %(count)s problems with the pool."),
            )
        for recruit in recruits:
            if recruit.features != remapped[recruit.id]:
                recruit.features = remapped[recruit.id]
        if recruitment is None:
            recruitment = Recruitment(panel_id=panel_id, version=0)
            session.add(recruitment)
        recruitment.panel_size = panel_size
        recruitment.targets = _targets_json(parsed.targets)
        recruitment.shares = _shares_json(parsed.shares) if parsed.shares is not None else None
        recruitment.slack = slack if parsed.shares is not None else 0
        recruitment.targets_file = filename[:200]
        recruitment.targets_at = utcnow()
        recruitment.version = (recruitment.version or 0) + 1
        change = await record(
            session,
            panel_id,
            actor,
            "recruitment.targets",
            {
                "panel_size": panel_size,
                "features": list(parsed.targets),
                "source": "shares" if parsed.shares is not None else "targets",
            },
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    await services.announce(change)
    return recruitment


def _check_people(people: PeopleFile) -> None:
    too_long = [p.id for p in people.registrants if len(p.id) > MAX_EXTERNAL_ID]
    if too_long:
        raise ProblemsRefused(
            [
                problem(
                    N_("The id %(value)s is longer than %(max)s characters."),
                    value=key[:40] + "…",
                    max=MAX_EXTERNAL_ID,
                )
                for key in too_long[:MAX_REPORTED]
            ]
        )


async def upload_people(
    services: Services,
    panel_id: int,
    actor: Actor,
    data: bytes,
    filename: str,
    id_column: str,
    household_column: str,
    extra_columns_text: str,
) -> int:
    """Replace the pool with the people file; returns how many people it holds."""
    id_column = id_column.strip() or "id"
    household = household_column.strip() or None
    extras = column_names(extra_columns_text)
    for name in (id_column, household or ""):
        if len(name) > MAX_COLUMN_NAME:
            raise Refused(
                N_("A column name is longer than %(max)s characters."), max=MAX_COLUMN_NAME
            )
    async with services.db.reading() as session:
        recruitment = await recruitment_of(session, panel_id)
    if recruitment is None:
        raise Refused(N_("Upload the targets first: they name the columns the pool needs."))
    targets = targets_of(recruitment)
    if not data:
        raise ProblemsRefused([problem(N_("Line %(line)s: the file is empty."), line=1)])
    people = await asyncio.to_thread(
        parse_people,
        data,
        targets,
        id_column=id_column,
        household_column=household,
        extra_columns=extras,
    )
    _check_people(people)
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        await _refuse_while_drawing(session, panel_id)
        recruitment = await recruitment_of(session, panel_id)
        if recruitment is None or recruitment.targets != _targets_json(targets):
            raise Refused(N_("The targets changed meanwhile. Upload the people file again."))
        drawn = await session.scalar(
            select(func.count()).where(Recruit.panel_id == panel_id, Recruit.status != "pool")
        )
        if drawn:
            raise Refused(
                N_(
                    "People have already been drawn from this pool, so it can no longer be "
                    "replaced. Use test draws to rehearse before the real draw."
                )
            )
        await session.execute(delete(RecruitContact).where(RecruitContact.panel_id == panel_id))
        await session.execute(delete(Recruit).where(Recruit.panel_id == panel_id))
        ids: dict[str, int] = {}
        if people.registrants:
            rows = await session.execute(
                insert(Recruit).returning(Recruit.id, Recruit.external_id),
                [
                    {
                        "panel_id": panel_id,
                        "external_id": person.id,
                        "features": dict(person.features),
                        "extras": dict(people.extras.get(person.id, {})),
                        "household": person.household,
                        "status": Status.POOL.value,
                    }
                    for person in people.registrants
                ],
            )
            ids = {external: recruit_id for recruit_id, external in rows.all()}
            await session.execute(
                insert(RecruitContact),
                [
                    {
                        "recruit_id": ids[person.id],
                        "panel_id": panel_id,
                        "data": dict(people.contacts.get(person.id, {})),
                    }
                    for person in people.registrants
                ],
            )
        recruitment.people_file = filename[:200]
        recruitment.people_at = utcnow()
        recruitment.id_column = id_column
        recruitment.household_column = household
        recruitment.extra_columns = extras
        recruitment.contact_columns = list(people.contact_columns)
        recruitment.version += 1
        change = await record(
            session,
            panel_id,
            actor,
            "recruitment.pool",
            {"people": len(people.registrants), "households": household is not None},
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    await services.announce(change)
    return len(people.registrants)


# -- confirmations ------------------------------------------------------------------


async def _holding(session: AsyncSession, panel_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Recruit.panel_id == panel_id,
            Recruit.status.in_([status.value for status in HOLDS_A_SEAT]),
        )
    )
    return int(count or 0)


async def _invite_is_used(session: AsyncSession, invite: Invite) -> bool:
    joined = await session.scalar(
        select(Participant.id).where(Participant.invite_id == invite.id).limit(1)
    )
    answered = await session.scalar(
        select(SurveyAnswer.id).where(SurveyAnswer.respondent == f"i:{invite.id}").limit(1)
    )
    return joined is not None or answered is not None


async def change_status(
    services: Services, panel_id: int, actor: Actor, recruit_id: int, wanted_text: str
) -> Recruit:
    """Selected → confirmed / withdrawn (and back, to undo a mistake).

    A withdrawn person's invite code stops working unless it has been used already
    (their answers are kept, linked to the code).
    """
    wanted = parse_status(wanted_text)
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        recruit = await session.get(Recruit, recruit_id)
        if recruit is None or recruit.panel_id != panel_id:
            raise Refused(N_("There is no such person in this pool."))
        recruitment = await recruitment_of(session, panel_id)
        assert recruitment is not None
        current = Status(recruit.status)
        free = recruitment.panel_size - await _holding(session, panel_id)
        check_status_change(current, wanted, free_seats=free)
        seat_changes = (current in HOLDS_A_SEAT) != (wanted in HOLDS_A_SEAT)
        if seat_changes:
            await _refuse_while_drawing(session, panel_id)
            recruitment.version += 1
        revoked = False
        if wanted == Status.WITHDRAWN:
            for invite in await session.scalars(
                select(Invite).where(Invite.panel_id == panel_id, Invite.recruit_id == recruit.id)
            ):
                if not await _invite_is_used(session, invite):
                    await session.delete(invite)
                    revoked = True
        recruit.status = wanted.value
        recruit.status_at = utcnow()
        change = await record(
            session,
            panel_id,
            actor,
            "recruitment.status",
            {"recruit": recruit.id, "from": current.value, "to": wanted.value, "revoked": revoked},
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    await services.announce(change)
    return recruit


# -- treatment and control ----------------------------------------------------------


def difference_json(row: Difference) -> dict[str, Any]:
    finite = row.smd not in (float("inf"), float("-inf"))
    return {
        "feature": row.feature,
        "value": row.value,
        "participants": row.share_a,
        "control": row.share_b,
        "smd": row.smd if finite else None,
    }


async def split(
    services: Services,
    panel_id: int,
    actor: Actor,
    strata: Sequence[str],
    control_percent_text: str,
    scope: str,
    seed_text: str,
) -> ArmSplit:
    """Split the panel (or, in deliberative-poll mode, the whole pool) into two arms.

    Blocked on `strata`, so both arms look alike; can be redone with another seed until
    invite codes have been issued.
    """
    if scope not in ("panel", "pool"):
        raise Refused(N_("Choose whom to split: the drawn panel or the whole pool."))
    percent = whole_number(
        control_percent_text or "50",
        low=1,
        high=99,
        message=N_(
            "The control group's share must be a whole percentage from %(low)s to %(high)s."
        ),
    )
    seed = (
        whole_number(
            seed_text,
            low=1,
            high=2**63 - 1,
            message=N_("The seed must be a whole number from %(low)s to %(high)s."),
        )
        if seed_text.strip()
        else secrets.randbelow(2**63 - 1) + 1
    )
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        await _refuse_while_drawing(session, panel_id)
        recruitment = await recruitment_of(session, panel_id)
        if recruitment is None:
            raise Refused(N_("Upload the targets and the pool first."))
        if await session.scalar(select(Invite.id).where(Invite.panel_id == panel_id).limit(1)):
            raise Refused(
                N_("Invite codes have been issued, so the groups can no longer be split again.")
            )
        features = [feature for feature, _ in recruitment.targets]
        chosen = [f for f in features if f in strata]
        if not chosen:
            raise Refused(N_("Choose at least one feature to keep the groups alike on."))
        recruits = await recruits_of(session, panel_id)
        if scope == "panel":
            people = [r for r in recruits if Status(r.status) in HOLDS_A_SEAT]
            if not people:
                raise Refused(N_("Nobody has been drawn yet. Draw the panel first."))
        else:
            if any(r.status != Status.POOL.value for r in recruits):
                raise Refused(
                    N_(
                        "The panel has been drawn, so only the drawn panel can be split, "
                        "not the whole pool."
                    )
                )
            people = list(recruits)
            if not people:
                raise Refused(N_("Upload the pool first."))
        if len(people) < 2:
            raise Refused(N_("At least two people are needed to split into two groups."))
        result = split_arms(
            {str(r.id): {f: r.features[f] for f in chosen} for r in people},
            chosen,
            seed=seed,
            control_share=Fraction(percent, 100),
        )
        controls = set(result.control)
        await session.execute(update(Recruit).where(Recruit.panel_id == panel_id).values(arm=None))
        for recruit in people:
            recruit.arm = (Arm.CONTROL if str(recruit.id) in controls else Arm.PARTICIPANT).value
            if scope == "pool":
                recruit.status = Status.SELECTED.value
                recruit.status_at = utcnow()
        if scope == "pool":
            recruitment.version += 1
        row = ArmSplit(
            panel_id=panel_id,
            scope=scope,
            seed=seed,
            strata=chosen,
            control_share=str(Fraction(percent, 100)),
            participants=len(result.participants),
            controls=len(result.control),
            balance=[difference_json(d) for d in result.balance],
            created_at=utcnow(),
            created_by=actor.id,
        )
        session.add(row)
        change = await record(
            session,
            panel_id,
            actor,
            "recruitment.split",
            {
                "scope": scope,
                "seed": seed,
                "strata": chosen,
                "participants": len(result.participants),
                "controls": len(result.control),
            },
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    await services.announce(change)
    return row


async def latest_split(session: AsyncSession, panel_id: int) -> ArmSplit | None:
    return await session.scalar(
        select(ArmSplit).where(ArmSplit.panel_id == panel_id).order_by(ArmSplit.id.desc()).limit(1)
    )


# -- invite codes -------------------------------------------------------------------


def invite_role(recruit: Recruit) -> str | None:
    """Who gets a code: every control who holds a seat, every confirmed participant."""
    status = Status(recruit.status)
    if recruit.arm == Arm.CONTROL.value:
        return "control" if status in HOLDS_A_SEAT else None
    return "participant" if status == Status.CONFIRMED else None


async def issue_invites(services: Services, panel_id: int, actor: Actor) -> int:
    """Codes for everyone who should have one and has none yet; returns how many are new."""
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        recruits = await recruits_of(session, panel_id)
        existing = {
            invite.recruit_id: invite
            for invite in await session.scalars(select(Invite).where(Invite.panel_id == panel_id))
        }
        wanted = [(r, role) for r in recruits if (role := invite_role(r)) is not None]
        changed = 0
        for recruit, role in wanted:
            invite = existing.get(recruit.id)
            if invite is not None and invite.role != role:
                invite.role = role
                changed += 1
        missing = [(r, role) for r, role in wanted if r.id not in existing]
        if not missing and not changed:
            raise Refused(
                N_(
                    "Everyone who should have an invite code has one. Codes go to confirmed "
                    "participants and to the control group."
                )
            )
        codes = new_invite_codes(len(missing))
        taken = set(await session.scalars(select(Invite.code).where(Invite.code.in_(codes))))
        for index, code in enumerate(codes):
            if code in taken:  # another panel holds it: astronomically unlikely, but draw again
                codes[index] = new_invite_code({*codes, *taken})
        for (recruit, role), code in zip(missing, codes, strict=True):
            session.add(
                Invite(
                    panel_id=panel_id,
                    code=code,
                    role=role,
                    pseudonym=secrets.token_hex(8),
                    recruit_id=recruit.id,
                    created_at=utcnow(),
                )
            )
        change = await record(
            session,
            panel_id,
            actor,
            "recruitment.invites",
            {
                "issued": len(missing),
                "participants": sum(1 for _, role in missing if role == "participant"),
                "controls": sum(1 for _, role in missing if role == "control"),
            },
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    await services.announce(change)
    return len(missing)


@dataclass(frozen=True)
class Letter:
    """One invite code with the person it goes to (organiser only: carries contacts)."""

    recruit: Recruit
    invite: Invite
    contacts: Mapping[str, str]


async def letters(session: AsyncSession, panel_id: int) -> list[Letter]:
    """Every invite of the panel with its recruit and contact columns, participants first."""
    contacts = await contacts_of(session, panel_id)
    rows = await session.execute(
        select(Invite, Recruit)
        .join(Recruit, Recruit.id == Invite.recruit_id)
        .where(Invite.panel_id == panel_id)
        .order_by(Invite.role.desc(), Recruit.external_id)
    )
    return [Letter(recruit, invite, contacts.get(recruit.id, {})) for invite, recruit in rows.all()]
