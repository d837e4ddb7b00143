"""No import cycle anywhere in `server/` or `facilitation/`, however the import is hidden."""

from __future__ import annotations

from tests.architecture.imports import cycles, graph


def test_the_project_has_no_import_cycle() -> None:
    found = cycles(graph())
    assert found == [], "modules that import each other, directly or in a ring: " + "; ".join(
        " ↔ ".join(ring) for ring in found
    )


def test_the_graph_sees_late_and_type_checking_imports() -> None:
    edges = graph()
    # At the top of a module.
    assert "server.ops.unit" in edges["server.services"]
    # `from package import module` names the module.
    assert "server.ops.agenda" in edges["server.routes.facilitator"]
    # Inside a function (create_broker picks the implementation when called).
    assert "server.broker.redis" in edges["server.broker"]


def test_a_ring_of_imports_is_found() -> None:
    ring = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(ring) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def _importers(edges: dict[str, set[str]], sources: tuple[str, ...], targets: str) -> list[str]:
    return sorted(
        f"{module} → {target}"
        for module, imported in edges.items()
        if module.startswith(sources)
        for target in imported
        if target == targets or target.startswith(targets + ".")
    )


def test_screens_live_views_reporting_and_reads_never_import_commands() -> None:
    readers = ("server.screens", "server.live", "server.reporting", "server.read")
    assert _importers(graph(), readers, "server.ops") == []


def test_commands_never_import_the_read_side() -> None:
    assert _importers(graph(), ("server.ops",), "server.read") == []


def test_the_rules_import_nothing_of_the_server() -> None:
    assert _importers(graph(), ("facilitation",), "server") == []
