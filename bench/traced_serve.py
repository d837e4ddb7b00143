"""`borgerpanel serve` under tracemalloc, dumping a snapshot on SIGUSR1 (bench/socket_memory.py).

    BENCH_TRACE_TO=/tmp/snap .venv/bin/python -m bench.traced_serve serve --port 8000

Resident memory says how much a held phone costs; only the allocator's own record says
which code allocated it. Each SIGUSR1 writes `$BENCH_TRACE_TO.<n>` (n = 1, 2, …) after a
full collection, so garbage not yet collected is not read as memory held per socket;
the file appears whole (written, then renamed). Tracing starts at the first signal
(started with the server, it slowed the start past the benchmark's patience), so only
what is allocated after the first snapshot is attributed, which is what the states are
compared on. Tracing slows the server and adds to its memory: its resident figures are
not the server's, the untraced run gives those.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tracemalloc
from types import FrameType

FRAMES = 16
"""Deep enough to reach past asyncio and uvicorn into the code that asked."""


def main() -> int:
    target = os.environ["BENCH_TRACE_TO"]
    dumped = 0

    def dump(signum: int, frame: FrameType | None) -> None:
        nonlocal dumped
        dumped += 1
        gc.collect()
        if not tracemalloc.is_tracing():
            tracemalloc.start(FRAMES)
        path = f"{target}.{dumped}"
        tracemalloc.take_snapshot().dump(path + ".part")
        os.replace(path + ".part", path)

    signal.signal(signal.SIGUSR1, dump)
    from server.cli import main as serve

    return serve(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
