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
