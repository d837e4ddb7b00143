"""Draws run in worker processes, watched from the server's event loop.

Each draw gets its own process, started with multiprocessing's "spawn" method (a
fresh interpreter: the draw seeds process-wide random state and holds the CPU for a
minute or two, neither of which the server can share). The worker is
`facilitation.recruitment.worker.draw_worker`; it posts `Progress` messages and then
one `Finished` or `Failed` on a queue, and stops between two solver steps when its
stop event is set.

One asyncio task per draw watches the queue. Reading a multiprocessing queue blocks,
so each read runs in a thread with a short timeout; the event loop never waits on
the worker. The task writes the draw's phase and progress, and a heartbeat, to its
row at most once a second (`server.ops.draws.heartbeat`), and reads back whether
someone asked to cancel, so a cancel pressed on any server process reaches the
worker. A worker that does not stop within `KILL_AFTER` seconds of a cancel is
terminated; one that dies without a word is reported as failed.

When the server stops, running workers are stopped and their draws marked
interrupted; when it starts, draws left running by a server that crashed are marked
interrupted too (`server.ops.draws.mark_orphans`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import queue
import secrets
import socket
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from facilitation.recruitment.draw import DrawCancelled, DrawProgress, DrawRequest
from facilitation.recruitment.worker import Failed, Finished, Progress, draw_worker
from server.ops import draws
from server.ops.unit import Units

log = logging.getLogger(__name__)

READ_TIMEOUT = 0.25
PROGRESS_EVERY = 0.5
HEARTBEAT_EVERY = 2.0
KILL_AFTER = 10.0


@dataclass
class _Job:
    draw_id: int
    process: BaseProcess
    outbox: Any
    stop: Any
    started: float = field(default_factory=time.monotonic)
    cancel_at: float | None = None
    task: asyncio.Task[None] | None = None


def _receive(outbox: Any, timeout: float) -> object | None:
    try:
        message: object = outbox.get(True, timeout)
    except queue.Empty:
        return None
    except (EOFError, OSError, ValueError):
        return None
    return message


def _reap(process: BaseProcess, wait: float) -> None:
    process.join(wait)
    if process.is_alive():
        process.terminate()
        process.join(2.0)
    if process.is_alive():
        process.kill()
        process.join(2.0)


class DrawRunner:
    """The draws this server process is running. `name` identifies it in the draws' rows."""

    def __init__(self, units: Units) -> None:
        self.units = units
        self.name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._jobs: dict[int, _Job] = {}
        self._context = multiprocessing.get_context("spawn")

    @property
    def local(self) -> frozenset[int]:
        return frozenset(self._jobs)

    def worker(self, draw_id: int) -> BaseProcess | None:
        """The process running a draw of this server, while it runs."""
        job = self._jobs.get(draw_id)
        return job.process if job is not None else None

    async def start(self) -> None:
        """Mark draws that a crashed server left running as interrupted."""
        interrupted = await draws.mark_orphans(self.units, self)
        if interrupted:
            log.warning("%s draw(s) had lost their server and were marked interrupted", interrupted)

    async def launch(self, draw_id: int, request: DrawRequest) -> None:
        outbox = self._context.Queue()
        stop = self._context.Event()
        process = self._context.Process(
            target=draw_worker,
            args=(request, outbox, stop),
            name=f"borgerpanel-draw-{draw_id}",
            daemon=True,
        )
        # Starting a spawned process writes the pickled request to it: not on the loop.
        await asyncio.to_thread(process.start)
        job = _Job(draw_id, process, outbox, stop)
        self._jobs[draw_id] = job
        job.task = asyncio.create_task(self._watch(job), name=f"draw-{draw_id}")
        log.info("draw %s: worker process %s started", draw_id, process.pid)

    def request_stop(self, draw_id: int) -> None:
        """Tell a local worker to stop now (remote ones learn it from their heartbeat)."""
        job = self._jobs.get(draw_id)
        if job is not None and job.cancel_at is None:
            job.stop.set()
            job.cancel_at = time.monotonic()

    async def stop(self) -> None:
        """The server is stopping: stop every worker and mark its draw interrupted."""
        jobs = list(self._jobs.values())
        for job in jobs:
            job.stop.set()
            if job.task is not None:
                job.task.cancel()
        for job in jobs:
            if job.task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await job.task
            await asyncio.to_thread(_reap, job.process, 2.0)
            try:
                await draws.end(self.units, job.draw_id, "interrupted", draws.INTERRUPTED)
            except Exception:
                log.exception("draw %s: could not mark it interrupted", job.draw_id)
        self._jobs.clear()

    async def _watch(self, job: _Job) -> None:
        progress: DrawProgress | None = None
        written: DrawProgress | None = None
        last_write = 0.0
        try:
            while True:
                message = await asyncio.to_thread(_receive, job.outbox, READ_TIMEOUT)
                if message is None and not job.process.is_alive():
                    # Its last words may have arrived as it exited: one more look.
                    message = await asyncio.to_thread(_receive, job.outbox, 0.5)
                    if message is None:
                        log.error(
                            "draw %s: the worker exited (code %s) without a result",
                            job.draw_id,
                            job.process.exitcode,
                        )
                        await draws.end(self.units, job.draw_id, "failed", draws.CRASHED)
                        return
                if isinstance(message, Progress):
                    progress = message.progress
                elif isinstance(message, Finished):
                    await draws.finish(self.units, job.draw_id, message.result)
                    log.info(
                        "draw %s finished in %.1f s", job.draw_id, time.monotonic() - job.started
                    )
                    return
                elif isinstance(message, Failed):
                    await draws.fail(self.units, job.draw_id, message)
                    log.info("draw %s ended without a panel: %s", job.draw_id, message.message)
                    return
                now = time.monotonic()
                due = now - last_write >= (
                    PROGRESS_EVERY if progress != written else HEARTBEAT_EVERY
                )
                if due:
                    state, cancel = await draws.heartbeat(self.units, self, job.draw_id, progress)
                    written, last_write = progress, now
                    if state != draws.ACTIVE:
                        log.info("draw %s was ended elsewhere (%s); stopping", job.draw_id, state)
                        return
                    if cancel:
                        self.request_stop(job.draw_id)
                if job.cancel_at is not None and now - job.cancel_at > KILL_AFTER:
                    log.warning("draw %s did not stop when asked; terminating it", job.draw_id)
                    job.process.terminate()
                    await draws.end(self.units, job.draw_id, "cancelled", DrawCancelled().message)
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("draw %s: watching the worker failed", job.draw_id)
            with contextlib.suppress(Exception):
                await draws.end(self.units, job.draw_id, "failed", draws.CRASHED)
        finally:
            job.stop.set()
            self._jobs.pop(job.draw_id, None)
            with contextlib.suppress(Exception):
                await asyncio.to_thread(_reap, job.process, 5.0)
            with contextlib.suppress(Exception):
                job.outbox.close()
                job.outbox.cancel_join_thread()
