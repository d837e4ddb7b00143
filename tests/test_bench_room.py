"""The crowd benchmark still runs: all three scenarios at a few dozen phones, no errors.

`bench/room.py` is what measures issue 11's goals at 2,000 and 10,000 phones; this runs
it small on SQLite (one step change, one storm, the ceiling too) so it never rots.
Behaviour only: every phone joins and holds its socket, sees the new step, every
ballot is answered with the phone's choice and counted on the projector, and after the
close every phone and the projector show the exact result. No speed is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import room

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
