"""Every lifecycle is a state machine or ADR 3 says why not: no code writes a model's `state` or
`status` with `QuerySet.update(...)` outside the allow-list in ADR 3 (the source is scanned),
and the allow-list names only what the code really does."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
ADR = ROOT / "docs" / "adr" / "0003-state-machines-and-gates.md"
STATE_FIELDS = ("state", "status")
SKIP_DIRS = {".venv", "tests", "migrations", "node_modules", "static", "templates"}


def allow_list() -> set[tuple[str, str]]:
    """The (file, model) rows of ADR 3's "Allowed `.update()` of a state" table."""
    text = ADR.read_text(encoding="utf-8")
    section = text.split("## Allowed `.update()` of a state", 1)[1]
    return set(re.findall(r"^\| `([\w/]+\.py)` \| `(\w+)` \|", section, flags=re.MULTILINE))


def _root(node: ast.AST) -> str:
    """The name a receiver chain starts from: `Receipt.objects.filter(...)` → "Receipt"."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return ast.unparse(node)


def _dict_names(tree: ast.AST) -> set[str]:
    """Names bound to a dict in the file (`x = {...}`, `x: dict[...] = ...`, `x = dict(...)`):
    their `.update(status=...)` is a dict's, not a query's."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            annotation = ast.unparse(node.annotation)
            if annotation.startswith(("dict", "Dict")) or isinstance(node.value, ast.Dict):
                names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            is_dict = isinstance(node.value, ast.Dict) or (
                isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == "dict"
            )
            if is_dict:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def state_updates(root: Path = ROOT) -> list[tuple[str, str, int]]:
    """(file, receiver, line) of every `.update(state=...)` / `.update(status=...)` call."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if SKIP_DIRS & set(relative.parts[:-1]):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        dicts = _dict_names(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
                and any(k.arg in STATE_FIELDS for k in node.keywords)
            ):
                continue
            receiver = _root(node.func.value)
            if isinstance(node.func.value, ast.Name) and receiver in dicts:
                continue
            found.append((relative.as_posix(), receiver, node.lineno))
    return found


def test_no_state_is_changed_by_update_outside_the_adr_allow_list():
    allowed = allow_list()
    assert allowed, "ADR 3 lost its allow-list table"
    offending = [
        f"{path}:{line}: {receiver}…update(state/status=…)"
        for path, receiver, line in state_updates()
        if (path, receiver) not in allowed
    ]
    assert not offending, (
        "A state changes by .update() outside ADR 3's allow-list: run it as a transition "
        "(core.fsm.transition_run) or a declared move (core.fsm.GuardedStates), or add it to "
        "the ADR with its reason:\n" + "\n".join(offending)
    )


def test_every_allow_list_row_is_still_true():
    used = {(path, receiver) for path, receiver, _line in state_updates()}
    models = {model.__name__: model for model in apps.get_models()}
    for path, model in allow_list():
        assert (path, model) in used, f"ADR 3 allows {model} in {path}, which no longer does it"
        fields = {f.name for f in models[model]._meta.get_fields()}
        assert fields & set(STATE_FIELDS), f"{model} has no state or status field"


def test_the_scan_catches_an_update_of_a_state(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "services.py").write_text(
        "from .models import Receipt\n"
        "def sneak(pk):\n"
        "    Receipt.objects.filter(pk=pk).update(state='reversed')\n"
        "def fine(row):\n"
        "    result = {}\n"
        "    result.update(status='error')\n"
        "    Receipt.objects.filter(pk=row).update(note='x')\n",
        encoding="utf-8",
    )
    assert state_updates(tmp_path) == [("app/services.py", "Receipt", 3)]
