"""The draw as a background job: start it, follow it, stop it, and apply what it found.

`start_draw` writes the job (its seed, algorithm, the canonical inputs and their
digest) and hands the request to the runner (`server/draw_runner.py`), which runs
`facilitation.recruitment.worker.draw_worker` in a separate process and reports back
through the functions below. The job's row is the source of truth: the page reads
its phase and progress from there, so a reload, or another server process, shows the
same job. A counted draw changes the pool only when it finishes, in one transaction,
and only if nothing it depended on changed meanwhile; a test draw changes nobody.

A job whose server stopped cannot finish. It is marked `interrupted` when the
server stops, and (in case the server crashed) on the next start or when a page sees
that its heartbeat went stale.

Why one module of this size: the job's life (start, heartbeat, cancel, fail,
finish, interrupted) is one state machine over one row; every step checks the
same states, and reading them in one place shows that none is missed.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import asdict
from datetime import timedelta
from fractions import Fraction
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recruitment.algorithms import available_algorithms
from facilitation.recruitment.canonical import (
    canonical_inputs,
    digest,
    sorted_pool,
    sorted_targets,
)
from facilitation.recruitment.draw import (
    DrawCancelled,
    DrawProgress,
    DrawRequest,
    DrawResult,
    MaximinEffort,
    seed_from_text,
)
from facilitation.recruitment.lifecycle import (
    HOLDS_A_SEAT,
    Arm,
    Status,
    next_draw,
    replacement_arms,
)
from facilitation.recruitment.worker import Failed
from server.db.models_recruitment import Draw
from server.db.rows import recruitment_of, recruits_of, registrant_of, targets_of
from server.db.types import utcnow
from server.ops.arms import latest_split
from server.ops.common import row_in_panel
from server.ops.events import SYSTEM, Actor
from server.ops.recruitment import AUDIENCES, TOPICS, problem_json, running_draw
from server.ops.unit import Units

log = logging.getLogger(__name__)


class Runner(Protocol):
    """Where draws run: this server process's worker processes (`server.draw_runner`)."""

    @property
    def name(self) -> str: ...

    @property
    def local(self) -> frozenset[int]: ...

    async def launch(self, draw_id: int, request: DrawRequest) -> None: ...

    def request_stop(self, draw_id: int) -> None: ...


STALE_AFTER = timedelta(seconds=30)
"""A running job whose heartbeat is older than this has lost its server."""
ACTIVE = "running"
ENDED = ("finished", "failed", "cancelled", "interrupted")

INTERRUPTED = N_(
    "The server stopped while the draw was running. Nobody was selected; start the draw again."
)
CRASHED = N_("The draw stopped unexpectedly. Nobody was selected; start the draw again.")
CHANGED = N_(
    "The pool, the targets or the seats changed while the draw was running, so its result "
    "was not used. Nobody was selected; start the draw again."
)


def result_json(result: DrawResult) -> dict[str, Any]:
    return {
        "selected": list(result.selected),
        "probabilities": (
            dict(sorted(result.probabilities.items())) if result.probabilities is not None else None
        ),
        "fairness": asdict(result.fairness) if result.fairness is not None else None,
        "excluded_housemates": list(result.excluded_housemates),
        "unreachable": list(result.unreachable),
        "notes": [problem_json(note) for note in result.notes],
        "inputs_digest": result.inputs_digest,
    }


# -- starting and stopping ----------------------------------------------------------


async def start_draw(
    units: Units,
    runner: Runner,
    panel_id: int,
    actor: Actor,
    algorithm: str,
    seed_text: str,
    test: bool,
) -> int:
    """Write the job and start its worker; returns the draw's id at once."""
    if algorithm not in available_algorithms():
        raise Refused(N_("The %(algorithm)s algorithm is not available here."), algorithm=algorithm)
    seed = seed_from_text(seed_text)
    effort = MaximinEffort()
    async with units.panel(panel_id) as unit:
        if await running_draw(unit.session, panel_id) is not None:
            raise Refused(N_("A draw is already running. Wait for it or stop it first."))
        recruitment = await recruitment_of(unit.session, panel_id)
        recruits = await recruits_of(unit.session, panel_id)
        if recruitment is None or not recruits:
            raise Refused(N_("Upload the targets and the pool before drawing."))
        targets = targets_of(recruitment)
        features = list(targets)
        kind, seats = next_draw((Status(r.status) for r in recruits), recruitment.panel_size)
        if kind == "draw":
            pool = [registrant_of(r, features) for r in recruits]
            confirmed = []
        else:
            pool = [registrant_of(r, features) for r in recruits if r.status != Status.WITHDRAWN]
            confirmed = [
                registrant_of(r, features) for r in recruits if Status(r.status) in HOLDS_A_SEAT
            ]
        request = DrawRequest(
            targets,
            tuple(pool),
            recruitment.panel_size,
            seed,
            algorithm,
            tuple(confirmed),
            effort,
        )
        canonical = canonical_inputs(
            sorted_targets(targets),
            sorted_pool(pool),
            recruitment.panel_size,
            sorted_pool(confirmed),
            {"algorithm": algorithm, **asdict(effort)},
        )
        draw = Draw(
            panel_id=panel_id,
            kind=kind,
            test=test,
            state=ACTIVE,
            seed=seed,
            algorithm=algorithm,
            panel_size=recruitment.panel_size,
            seats=seats,
            pool_size=len(pool) - len(confirmed),
            effort=asdict(effort),
            inputs_digest=digest(canonical),
            inputs=canonical.decode("utf-8"),
            pool_version=recruitment.version,
            phase="starting",
            runner=runner.name,
            heartbeat_at=utcnow(),
            created_at=utcnow(),
            created_by=actor.id,
        )
        unit.session.add(draw)
        await unit.session.flush()
        draw_id = draw.id
        await unit.record(
            actor,
            "recruitment.draw_start",
            {
                "draw": draw_id,
                "kind": kind,
                "test": test,
                "seed": seed,
                "algorithm": algorithm,
                "inputs_digest": draw.inputs_digest,
            },
        )
    try:
        await runner.launch(draw_id, request)
    except Exception:
        log.exception("draw %s: the worker process did not start", draw_id)
        await end(units, draw_id, "failed", CRASHED)
    return draw_id


async def cancel(units: Units, runner: Runner, panel_id: int, actor: Actor, draw_id: int) -> None:
    """Ask the draw to stop; the worker stops between two solver steps."""
    async with units.panel(panel_id) as unit:
        draw = await row_in_panel(
            unit.session, Draw, draw_id, panel_id, N_("There is no such draw in this panel.")
        )
        if draw.state != ACTIVE:
            raise Refused(N_("This draw is not running."))
        draw.cancel_requested = True
        orphaned = _orphaned(draw, runner.name, runner.local)
        if orphaned:
            _end_row(draw, "cancelled", DrawCancelled().message)
        await unit.record(actor, "recruitment.draw_cancel", {"draw": draw_id})
    runner.request_stop(draw_id)


# -- what the runner reports --------------------------------------------------------


async def heartbeat(
    units: Units, runner: Runner, draw_id: int, progress: DrawProgress | None
) -> tuple[str, bool]:
    """Note the progress and that the job's server is alive; returns (state, cancel asked)."""
    async with units.begin() as unit:
        draw = await unit.session.get(Draw, draw_id)
        if draw is None:
            return "gone", True
        if draw.state == ACTIVE:
            if progress is not None:
                draw.phase = progress.phase[:30]
                draw.done = progress.done
                draw.total = progress.total
            draw.heartbeat_at = utcnow()
            draw.runner = runner.name
        return draw.state, draw.cancel_requested


def _end_row(
    draw: Draw,
    state: str,
    message: str,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    draw.state = state
    draw.finished_at = utcnow()
    draw.failure = {"message": message, "params": params or {}, **extra}


async def end(
    units: Units,
    draw_id: int,
    state: str,
    message: str,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    """End a running job without a result (failed, cancelled or interrupted)."""
    async with units.begin() as unit:
        draw = await unit.session.get(Draw, draw_id)
        if draw is None or draw.state != ACTIVE:
            return
        await unit.lock(draw.panel_id)
        _end_row(draw, state, message, params, **extra)
        await unit.record(
            SYSTEM,
            f"recruitment.draw_{state}",
            {"draw": draw_id},
            topics=("draw",),
        )


async def fail(units: Units, draw_id: int, failed: Failed) -> None:
    """The worker refused (infeasible targets, a problem with the pool) or was stopped."""
    await end(
        units,
        draw_id,
        "cancelled" if failed.cancelled else "failed",
        failed.message,
        dict(failed.params),
        relaxations=[asdict(relaxation) for relaxation in failed.relaxations],
        problems=[problem_json(item) for item in failed.problems],
    )


async def finish(units: Units, draw_id: int, result: DrawResult) -> None:
    """Store the result; for a counted draw, mark the selected people, all at once."""
    async with units.begin() as unit:
        draw = await unit.session.get(Draw, draw_id)
        if draw is None or draw.state != ACTIVE:
            return
        await unit.lock(draw.panel_id)
        if draw.cancel_requested:
            _end_row(draw, "cancelled", DrawCancelled().message)
            await unit.record(SYSTEM, "recruitment.draw_cancelled", {"draw": draw_id})
        else:
            draw.library_version = result.library_version[:30]
            draw.solver_version = result.solver_version[:30]
            draw.result = result_json(result)
            if result.inputs_digest != draw.inputs_digest:
                log.warning("draw %s: the worker saw other inputs than were stored", draw_id)
            applied = draw.test or await _apply(unit.session, draw, result)
            if applied:
                draw.state = "finished"
                draw.finished_at = utcnow()
                draw.phase = None
            else:
                draw.result = None
                _end_row(draw, "failed", CHANGED)
            await unit.record(
                SYSTEM,
                "recruitment.test_draw" if draw.test else f"recruitment.{draw.kind}",
                {
                    "draw": draw_id,
                    "applied": applied,
                    "selected": len(result.selected),
                    "seed": draw.seed,
                    "algorithm": draw.algorithm,
                    "library_version": draw.library_version,
                    "inputs_digest": draw.inputs_digest,
                },
                topics=TOPICS if applied and not draw.test else ("draw",),
                audiences=AUDIENCES,
            )


async def _apply(session: AsyncSession, draw: Draw, result: DrawResult) -> bool:
    """Mark the selected people; False (and nothing changed) if the pool moved on."""
    recruitment = await recruitment_of(session, draw.panel_id)
    if recruitment is None or recruitment.version != draw.pool_version:
        return False
    recruits = await recruits_of(session, draw.panel_id)
    by_id = {r.external_id: r for r in recruits}
    chosen = [by_id.get(key) for key in result.selected]
    if any(r is None or r.status != Status.POOL for r in chosen):
        return False
    now = utcnow()
    newcomers = [r for r in chosen if r is not None]
    for recruit in newcomers:
        recruit.status = Status.SELECTED.value
        recruit.selected_in = draw.id
        recruit.status_at = now
    split = await latest_split(session, draw.panel_id)
    if draw.kind == "replacement" and split is not None and split.scope == "panel":
        holders = [r for r in recruits if Status(r.status) in HOLDS_A_SEAT and r not in newcomers]
        arms = replacement_arms(
            {str(r.id): {f: r.features[f] for f in split.strata} for r in newcomers},
            split.strata,
            control_share=Fraction(split.control_share),
            holding=len(holders),
            holding_controls=sum(1 for r in holders if r.arm == Arm.CONTROL),
            seed=draw.seed,
        )
        for recruit in newcomers:
            recruit.arm = arms[str(recruit.id)].value
    recruitment.version += 1
    return True


# -- jobs whose server is gone ------------------------------------------------------


def _orphaned(draw: Draw, me: str, mine: frozenset[int]) -> bool:
    """Whether nobody is watching this running job any more (see module doc)."""
    if draw.runner == me:
        return draw.id not in mine
    if draw.heartbeat_at is None or utcnow() - draw.heartbeat_at > STALE_AFTER:
        return True
    host, _, rest = (draw.runner or "").partition(":")
    pid_text = rest.split(":", 1)[0]
    if host == socket.gethostname() and pid_text.isdigit():
        return not _alive(int(pid_text))
    return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def mark_orphans(units: Units, runner: Runner, panel_id: int | None = None) -> int:
    """Mark running jobs that lost their server as interrupted; returns how many."""
    async with units.reading() as session:
        query = select(Draw).where(Draw.state == ACTIVE)
        if panel_id is not None:
            query = query.where(Draw.panel_id == panel_id)
        candidates = [
            draw.id
            for draw in await session.scalars(query)
            if _orphaned(draw, runner.name, runner.local)
        ]
    interrupted = 0
    for draw_id in candidates:
        async with units.begin() as unit:
            draw = await unit.session.get(Draw, draw_id)
            if draw is None or draw.state != ACTIVE:
                continue
            if not _orphaned(draw, runner.name, runner.local):
                continue
            await unit.lock(draw.panel_id)
            log.warning(
                "draw %s lost its server (%s); marking it interrupted", draw_id, draw.runner
            )
            _end_row(draw, "interrupted", INTERRUPTED)
            await unit.record(
                SYSTEM, "recruitment.draw_interrupted", {"draw": draw_id}, topics=("draw",)
            )
            interrupted += 1
    return interrupted


async def draws_of(session: AsyncSession, panel_id: int) -> list[Draw]:
    return list(
        await session.scalars(
            select(Draw).where(Draw.panel_id == panel_id).order_by(Draw.id.desc())
        )
    )
