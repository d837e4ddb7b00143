"""Running the draw in a worker process, with progress and a stop button.

The draw takes up to a minute or two on a large pool and seeds process-wide random
state (see draw.py), so it belongs in its own process. The server starts one with
the standard library and talks to it through a queue and an event:

    ctx = multiprocessing.get_context("spawn")
    outbox, stop = ctx.Queue(), ctx.Event()
    worker = ctx.Process(target=draw_worker, args=(request, outbox, stop), daemon=True)
    worker.start()
    ...  # read outbox: Progress, then one Finished or Failed; stop.set() to cancel

Only plain dataclasses cross the process boundary: a `Refused` with its message id
and values is sent as `Failed`, because exceptions with keyword values do not survive
pickling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from facilitation.errors import Refused
from facilitation.recruitment.draw import (
    DrawCancelled,
    DrawProgress,
    DrawRequest,
    DrawResult,
    Relaxation,
)
from facilitation.recruitment.problems import Problem, ProblemsRefused


class Outbox(Protocol):
    def put(self, obj: object) -> None: ...


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Progress:
    progress: DrawProgress


@dataclass(frozen=True)
class Finished:
    result: DrawResult


@dataclass(frozen=True)
class Failed:
    """The draw refused or was stopped; nothing was selected."""

    message: str
    params: Mapping[str, object]
    relaxations: tuple[Relaxation, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    cancelled: bool = False


def draw_worker(request: DrawRequest, outbox: Outbox, stop: StopFlag) -> None:
    """Run one draw and post Progress messages, then exactly one Finished or Failed."""
    # Here, not at the top: the server imports this module to start workers, and only
    # the worker process should pay for loading the library and HiGHS.
    from facilitation.recruitment.drawing import run_draw

    try:
        result = run_draw(
            request,
            on_progress=lambda progress: outbox.put(Progress(progress)),
            should_stop=stop.is_set,
        )
    except Refused as refusal:
        outbox.put(
            Failed(
                refusal.message,
                dict(refusal.params),
                relaxations=getattr(refusal, "relaxations", ()),
                problems=refusal.problems if isinstance(refusal, ProblemsRefused) else (),
                cancelled=isinstance(refusal, DrawCancelled),
            )
        )
        return
    outbox.put(Finished(result))
