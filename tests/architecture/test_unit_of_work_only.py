"""Commands write only through the unit of work (`server/ops/unit.py`).

A command that opens its own transaction, records its own events or announces by
itself can forget to announce, or announce what rolled back. This test finds such
code anywhere in `server/`, so an old-style command fails here with its place.
"""

from __future__ import annotations

import ast

from tests.architecture.imports import ROOT

# Where the protocol itself lives.
PROTOCOL = {
    "server/ops/unit.py",  # the unit of work
    "server/ops/events.py",  # what the unit calls to record
    "server/ops/common.py",  # lock_panel, which the unit calls
    "server/db/engine.py",  # Database.writing, which the unit opens
}
HAND_WRITTEN = {"writing", "lock_panel", "record", "record_batch", "record_global", "announce"}


def hand_written_protocol() -> list[str]:
    found = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in PROTOCOL or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), name)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                and not (isinstance(func.value, ast.Name) and func.value.id == "unit")
                else None
            )
            if called in HAND_WRITTEN:
                found.append(f"{name}:{node.lineno} calls {called}()")
    return found


def test_no_command_writes_records_or_announces_by_hand() -> None:
    assert hand_written_protocol() == []
