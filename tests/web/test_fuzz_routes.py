"""No input gives a 500: every route, every role, hostile path and form values.

A small run here (bounded examples, well under a minute); `bench/fuzz_routes.py` runs
the same walk at full size and prints the counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.fuzzing import Fuzzing, Request, requests

EXAMPLES = 400


@pytest.fixture
def fuzzing(tmp_path: Path) -> Iterator[Fuzzing]:
    running = Fuzzing(tmp_path / "data")
    try:
        yield running
    finally:
        running.close()


def test_no_route_answers_hostile_input_with_a_server_error_or_a_refused_write(
    fuzzing: Fuzzing,
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(fuzzing.world))
    def walk(request: Request) -> None:
        fuzzing.run(request)

    walk()
    problems = list(fuzzing.report())
    assert not problems, "\n".join(problems)
    assert fuzzing.tried == EXAMPLES
