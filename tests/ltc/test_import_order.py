"""The import order of the code base, read from the source (issue 18.1, ADR 1).

Every module's imports are parsed, function-level imports included (a lazy import is still a
dependency). Two rules:

- an app imports only apps below it in the value stream (the core at the bottom, the project
  `ltc/` at the top), never one above it or beside it;
- no two modules depend on each other, directly or around a longer loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Bottom to top; an app may import only those with a lower rank (and itself).
LAYERS = {
    "core": 0,
    "messaging": 0.5,  # chat-app channels (ADR 24): notifications out, decisions back in
    "accounts": 1,
    "partners": 1.5,  # channel partners: above the parties, below the value stream's stages
    "leads": 2,
    "opportunities": 3,
    "contracts": 4,
    "receivables": 5,
    "documents": 5.5,  # documents from the record: reads quotes, contracts and milestones
    "keyaccounts": 6,
    "calendars": 6.2,  # calendar feeds: read every stage's dated work
    "mailin": 6.3,  # e-mail in: leads through web-to-lead's path, replies as activities
    "insights": 6.4,  # the gate flow: process mining of the opportunities' audit trail
    "reports": 6.45,  # the report builder: aggregates over every stage's records, scoped
    "channels": 6.5,  # rebates and channel reports: above the value stream, below integrations
    "incentives": 6.6,  # credit sharing: reads contracts, receipts and targets
    "integrations": 7,
    "portal": 7.5,  # the partner portal: shows partners', opportunities' and contracts' records
    "bench": 8,
    "ltc": 9,
}


def module_files() -> dict[str, Path]:
    """Every first-party module (migrations included) by dotted name."""
    modules = {}
    for top in LAYERS:
        for path in (ROOT / top).rglob("*.py"):
            if ".venv" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = module_files()


def resolve(name: str) -> str | None:
    """The first-party module an import of `name` loads (the longest known prefix)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports_of(module: str) -> set[str]:
    """The first-party modules `module` imports anywhere in its body."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from x import y` loads x.y when y is a module, else x.
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = resolve(name)
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def test_the_walk_sees_the_imports_it_must():
    """A guard on the test itself: known imports, a lazy one among them, are found."""
    assert "core.policy" in GRAPH["accounts.services.customers"]
    assert "accounts.models" in GRAPH["ltc.management.commands.seed_demo"]  # inside handle()
    assert "core.audit" in GRAPH["core.fsm"]
    assert len(MODULES) > 300


def test_no_app_imports_one_above_it():
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if layer(target) > layer(module)
    )
    assert upward == []


def test_the_core_imports_no_app_and_not_the_project():
    reached = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] == "core"
        for target in targets
        if target.split(".")[0] != "core"
    )
    assert reached == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other():
    assert cycles(GRAPH) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_loops(graph, expected):
    assert cycles(graph) == expected
