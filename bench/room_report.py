"""The figures of `bench/room.py` and the table it prints: issue 11's goals, measured."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Figures:
    """One scenario on one server; times in seconds."""

    scenario: str  # lobby | step | storm
    config: str
    events: int
    """Phones joined, step changes, or ballots."""
    latencies: list[float]
    errors: int
    error_samples: list[str]
    total: float | None
    """Lobby: seconds until every phone was held. Storm: ballots answered per second."""
    server_cpu_per_event: float
    memory_per_phone_kib: float
    load: tuple[float, float]
    """The busiest load process, in % of one core; the most one waited for a CPU, in %."""
    held: int
    rate: float = 0.0
    """The storm's ballots per second, as scheduled."""
    server_waited: float = 0.0
    """The share of the time the server waited for a CPU (other work on the machine), %."""
    idle_kib: int = 0
    services: dict[str, float] = field(default_factory=dict)
    """Storm: what the machine's PostgreSQL and Redis processes used, in % of one core."""

    @property
    def load_cpu(self) -> float:
        return self.load[0]

    def load_bound(self, bound: float) -> bool:
        """A load process was busy, or starved of CPU so that it sent and noted late: the
        figure may be the generator's, not the server's."""
        return self.load[0] > bound or self.load[1] > STARVED

    def ms(self) -> dict[str, float]:
        return percentiles_ms(self.latencies)


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of latencies in seconds, in milliseconds."""
    ordered = sorted(seconds)
    if not ordered:
        return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}

    def at(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": 1000 * ordered[-1]}


@dataclass(frozen=True)
class Goals:
    column: str
    lobby_s: float
    step_p99_ms: float
    storm_p99_ms: float


def goals_for(phones: int) -> Goals:
    """Issue 11 sets goals at 2,000 and 10,000 phones; a run between is held to 10,000's."""
    if phones <= 2000:
        return Goals("2,000 phones", 60, 300, 100)
    return Goals("10,000 phones", 300, 1000, 250)


STARVED = 20.0
"""Above this share of the time waiting for a CPU, the machine bounds the figures."""
MEMORY_KIB = 40
SHARE = 70
PAGE_FIRST = 60_000
PAGE_REVISIT = 10_000


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _share(ceiling: float, ours: float) -> float:
    """Ours as a share of the ceiling: the ceiling's cost (time, CPU) over ours."""
    if not ours or math.isnan(ours) or math.isnan(ceiling):
        return math.nan
    return 100 * ceiling / ours


def _scaling(figures: list[Figures]) -> Any:
    """Two processes' ballots per second over one's, when both storms fell behind the rate
    (then what they answered per second is what they can take)."""
    storms = [f for f in figures if f.scenario == "storm" and f.total is not None]

    def cell(config: str) -> str:
        if len(storms) < 2:
            return "needs --config scaling (or both)"
        one, two = storms[0], storms[1]
        if config != two.config:
            return f"{one.total:.0f} ballots/s"
        saturated = all(f.total is not None and f.total < 0.9 * f.rate for f in storms)
        ratio = (two.total or 0) / (one.total or math.nan)
        if not saturated:
            return f"{two.total:.0f} ballots/s; not both saturated: use a higher --rate"
        return f"{two.total:.0f} ballots/s, {ratio:.2f}× " + _mark(ratio >= 1.6)

    return cell


def report(
    phones: int,
    figures: list[Figures],
    ceiling: list[Figures],
    weight: tuple[int, int] | None,
    loads: list[str],
    bound: float,
) -> tuple[str, dict[str, Any]]:
    """The markdown the benchmark prints, and the same figures as data."""
    goals = goals_for(phones)
    lines = [
        "",
        f"## Crowd: {phones:,} phones ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average {' → '.join(loads)})",
        "",
        "| server | scenario | events | p50 ms | p95 ms | p99 ms | max ms | errors | "
        "result | server KiB / held phone | server CPU / event | server waited for a CPU | "
        "busiest load process: CPU |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in [*figures, *ceiling]:
        ms = row.ms()
        result = ""
        if row.scenario == "lobby" and row.total is not None:
            result = f"{row.held:,} held after {row.total:.1f} s"
        elif row.scenario == "storm" and row.total is not None:
            result = f"{row.total:.1f} ballots/s answered"
        flag = " ⚠" if row.load_bound(bound) else ""
        lines.append(
            f"| {row.config} | {row.scenario} | {row.events:,} | {ms['p50']:.0f} | "
            f"{ms['p95']:.0f} | {ms['p99']:.0f} | {ms['max']:.0f} | {row.errors} | {result} | "
            f"{row.memory_per_phone_kib:.1f} | {1000 * row.server_cpu_per_event:.1f} ms | "
            f"{row.server_waited:.0f} % | {row.load_cpu:.0f} % (waited {row.load[1]:.0f} %)"
            f"{flag} |"
        )
    notes = []
    for row in [*figures, *ceiling]:
        if row.load_cpu > bound:
            notes.append(
                f"⚠ {row.config}, {row.scenario}: a load process used {row.load_cpu:.0f} % of a "
                f"core (> {bound:.0f} %): the figure may be the load generator's limit, not the "
                "server's; run with more --load-processes (on two cores the generator shares "
                "the CPU with the server either way, so a quiet machine matters more)."
            )
        if row.load[1] > STARVED:
            notes.append(
                f"⚠ {row.config}, {row.scenario}: a load process waited for a CPU "
                f"{row.load[1]:.0f} % of the time, so it sent and noted late: no verdict on its "
                "latencies (the machine was busy)."
            )
        if row.server_waited > STARVED:
            notes.append(
                f"⚠ {row.config}, {row.scenario}: the server's threads waited for a CPU "
                f"{row.server_waited:.0f} % of the time: the machine was busy with other work "
                "(or the load processes), so its latencies are upper bounds."
            )
        if any(row.services.values()):
            used = ", ".join(f"{name} {share:.0f} %" for name, share in row.services.items())
            notes.append(
                f"{row.config}, {row.scenario}: the machine's services used (of one core) {used}"
            )
        for sample in row.error_samples:
            notes.append(f"{row.config}, {row.scenario}: {sample}")
    if notes:
        lines += ["", *notes]

    by = {(f.config, f.scenario): f for f in figures}
    configs = list(dict.fromkeys(f.config for f in figures))
    top = {f.scenario: f for f in ceiling}
    head = f"| goal (issue 11) | goal at {goals.column} | " + " | ".join(configs) + " |"
    lines += ["", head, "|" + " --- |" * (2 + len(configs))]

    def goal_row(name: str, goal: str, cell: Any) -> None:
        lines.append(f"| {name} | {goal} | " + " | ".join(cell(c) for c in configs) + " |")

    def figure(scenario: str, text: Any) -> Any:
        def cell(config: str) -> str:
            found = by.get((config, scenario))
            if found is None:
                return "not run"
            said = str(text(found))
            if found.load_bound(bound):
                # Not the server's figure: no verdict on it.
                return said.rstrip("✓✗ ") + " ⚠ load-bound, no verdict"
            if found.server_waited > STARVED and said.endswith("✗"):
                # An upper bound: on a quiet machine it may be met.
                return said + f" (machine busy: the server waited {found.server_waited:.0f} %)"
            return said

        return cell

    goal_row(
        f"lobby rush: all {phones:,} joined and holding a socket",
        f"≤ {goals.lobby_s:.0f} s",
        figure(
            "lobby",
            lambda f: (
                f"{f.total:.1f} s, {f.errors} errors "
                + _mark(f.total <= goals.lobby_s and not f.errors)
            ),
        ),
    )
    goal_row(
        "step change: every phone has the new step",
        f"p99 ≤ {goals.step_p99_ms:.0f} ms",
        figure(
            "step",
            lambda f: (
                f"p99 {f.ms()['p99']:.0f} ms over {f.events} rounds, {f.errors} errors "
                + _mark(f.ms()["p99"] <= goals.step_p99_ms and not f.errors)
            ),
        ),
    )
    goal_row(
        "vote storm: vote → projector",
        f"p99 ≤ {goals.storm_p99_ms:.0f} ms, no errors",
        figure(
            "storm",
            lambda f: (
                f"p99 {f.ms()['p99']:.0f} ms, {f.errors} errors "
                + _mark(f.ms()["p99"] <= goals.storm_p99_ms and not f.errors)
            ),
        ),
    )

    def memory(config: str) -> str:
        worst = max(
            (f.memory_per_phone_kib for f in figures if f.config == config), default=math.nan
        )
        return f"{worst:.1f} KiB " + _mark(worst <= MEMORY_KIB)

    goal_row(
        "server memory per held phone (worst after any scenario)", f"≤ {MEMORY_KIB} KiB", memory
    )
    for scenario, name in (("step", "step change"), ("storm", "vote storm")):

        def versus(config: str, scenario: str = scenario) -> str:
            ours, bare = by.get((config, scenario)), top.get(scenario)
            if ours is None or bare is None:
                return "not run"
            latency = _share(bare.ms()["p99"], ours.ms()["p99"])
            cpu = _share(bare.server_cpu_per_event, ours.server_cpu_per_event)
            said = (
                f"p99 {latency:.0f} % ({ours.ms()['p99']:.0f} vs {bare.ms()['p99']:.0f} ms), "
                f"CPU/event {cpu:.0f} % "
            )
            if ours.load_bound(bound) or bare.load_bound(bound):
                return said + "⚠ load-bound, no verdict"
            return said + _mark(latency >= SHARE)

        goal_row(f"ours vs the bare fan-out, same bytes: {name}", f"≥ {SHARE} %", versus)
    goal_row("2 processes vs 1: ballots/s at saturation", "≥ 1.6×", _scaling(figures))
    if weight is not None:
        first, revisit = weight
        text = f"{first / 1000:.1f} KB / {revisit / 1000:.1f} KB " + _mark(
            first <= PAGE_FIRST and revisit <= PAGE_REVISIT
        )
        goal_row(
            "phone page on the wire: first load / revisit", "≤ 60 KB / ≤ 10 KB", lambda c: text
        )
    lines.append("")
    lines.append(
        "Shares: the ceiling's p99 (and server CPU per event) over ours; the ceiling is one "
        f"process. ⚠ marks a figure taken while a load process was above {bound:.0f} % of a "
        f"core or waited for a CPU more than {STARVED:.0f} % of the time."
    )
    data = {
        "phones": phones,
        "load_average": loads,
        "figures": [{**asdict(f), "latencies": None, **f.ms()} for f in figures],
        "ceiling": [{**asdict(f), "latencies": None, **f.ms()} for f in ceiling],
        "page_weight": weight,
    }
    return "\n".join(lines), data
