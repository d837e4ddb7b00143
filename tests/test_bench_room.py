"""The crowd benchmark still runs: all three scenarios at a few dozen phones, no errors.

`bench/room.py` is what measures issue 11's goals at 2,000 and 10,000 phones; this runs
it small on SQLite (one step change, one storm, the ceiling too) so it never rots.
Behaviour only: every phone joins and holds its socket, sees the new step, every
ballot is answered with the phone's choice and counted on the projector, and after the
close every phone and the projector show the exact result. No speed is asserted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import room
from tests.support.externals import postgres_database, require_redis

PHONES = 30


@pytest.mark.timeout(120)
async def test_the_crowd_benchmark_runs_every_scenario_without_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_WORK_DIR", str(tmp_path / "work"))
    out = tmp_path / "figures.json"
    await room.main(["--phones", str(PHONES), "--rounds", "1", "--rate", "100", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "| goal (issue 11) | goal at 2,000 phones |" in printed
    assert "| lobby rush: all 30 joined and holding a socket |" in printed
    figures = json.loads(out.read_text())
    ours = {f["scenario"]: f for f in figures["figures"]}
    ceiling = {f["scenario"]: f for f in figures["ceiling"]}
    assert set(ours) == {"lobby", "step", "storm"}
    assert set(ceiling) == {"step", "storm"}
    for row in [*ours.values(), *ceiling.values()]:
        assert row["errors"] == 0, row["error_samples"]
        assert row["held"] == PHONES
    assert ours["lobby"]["events"] == PHONES
    assert ours["storm"]["events"] == PHONES


@pytest.mark.timeout(180)
async def test_the_scaling_run_compares_two_processes_with_one_on_the_same_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--config scaling`: one process and then two on PostgreSQL and Redis, each taking
    the storm, and the goal table's 2-vs-1 row filled from the two (at this size the ratio
    means nothing, only that the row is built); the database's and broker's CPU is noted."""
    await require_redis()
    async with postgres_database():  # skips (or fails in CI) without PostgreSQL
        pass
    monkeypatch.setenv("BENCH_WORK_DIR", str(tmp_path / "work"))
    out = tmp_path / "figures.json"
    phones = 12
    await room.main(
        [
            *("--phones", str(phones), "--scenario", "storm", "--config", "scaling"),
            *("--rate", "50", "--no-ceiling", "--no-page-weight", "--json", str(out)),
        ]
    )
    printed = capsys.readouterr().out
    storms = json.loads(out.read_text())["figures"]
    assert [f["config"] for f in storms] == [
        "1 process, PostgreSQL, Redis",
        "2 processes, PostgreSQL, Redis",
    ]
    for row in storms:
        assert row["errors"] == 0, row["error_samples"]
        assert row["events"] == phones
        assert row["services"]["postgres"] > 0
    row = next(line for line in printed.splitlines() if "2 processes vs 1" in line)
    one, two = row.strip(" |").split(" | ")[-2:]
    assert one.endswith(" ballots/s")
    assert re.match(r"\d+ ballots/s(, [\d.]+× [✓✗]|; not both saturated)", two), two
    assert "the machine's services used (of one core) postgres" in printed
