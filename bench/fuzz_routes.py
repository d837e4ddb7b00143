"""The full-size walk of every route with every role and hostile values.

    .venv/bin/python -m bench.fuzz_routes [EXAMPLES]

Prints how many hostile requests were tried, how many got a 5xx, and how many were
refused but still wrote to the audit log (each listed). The CI test
(`tests/web/test_fuzz_routes.py`) runs the same walk with a few hundred examples.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests.support.fuzzing import Fuzzing, Request, requests


def main(examples: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        fuzzing = Fuzzing(Path(folder) / "data")

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(requests(fuzzing.world))
        def walk(request: Request) -> None:
            fuzzing.run(request)

        started = time.monotonic()
        try:
            walk()
        finally:
            fuzzing.close()
        took = time.monotonic() - started
    print(f"routes × methods: {len(fuzzing.world.targets)}, roles: 5")
    print(f"hostile requests tried: {fuzzing.tried} in {took:.0f} s")
    print(f"5xx answers: {len(fuzzing.errors)}")
    print(f"refused but wrote to the audit log: {len(fuzzing.changed_when_refused)}")
    for line in fuzzing.report():
        print("  " + line)
    return 1 if fuzzing.errors or fuzzing.changed_when_refused else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
