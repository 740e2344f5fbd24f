"""Every audit action the code records reads as a sentence: a new action without one fails
here, so it cannot fall back to a raw dump on a timeline."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from core.timeline import has_sentence

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "tests", "bench", "migrations", "node_modules"}
#: Actions built at run time, and every value they take.
COMPUTED = {
    "change.{change.state}": ["change.in_review", "change.declined", "change.withdrawn"],
    "{kind}.merged": ["customer.merged", "contact.merged"],
    "{kind}.merged_into": ["customer.merged_into", "contact.merged_into"],
}


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
        )
        assert pattern in COMPUTED, f"say which actions {pattern!r} stands for in COMPUTED"
        return COMPUTED[pattern]
    raise AssertionError(f"an action that is not a string: {ast.unparse(node)}")


def recorded_actions() -> dict[str, str]:
    """{action: where} for every `audit_record(action=...)` and `AuditEvent(action=...)`."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in {"audit_record", "AuditEvent"}:
                continue
            for keyword in node.keywords:
                if keyword.arg == "action" and not isinstance(keyword.value, ast.Name):
                    for action in _strings(keyword.value):
                        found[action] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_the_walk_finds_the_actions_of_every_stage():
    actions = recorded_actions()
    assert {"transition", "gate.assessed", "payment_plan.set", "lead.merged"} <= set(actions)
    assert len(actions) > 50


@pytest.mark.parametrize("action", sorted(recorded_actions()))
def test_every_recorded_action_has_a_sentence(action):
    assert has_sentence(action), f"{action} ({recorded_actions()[action]}) has no sentence"


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(recorded_actions()))
def test_every_sentence_is_words_even_without_changes(action):
    """A sentence never shows the action's code, whatever its changes hold."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    from core.models import AuditEvent
    from core.timeline import describe_events
    from opportunities.models import Opportunity

    event = AuditEvent(
        target_type=ContentType.objects.get_for_model(Opportunity),
        target_id=0,
        action=action,
        actor_name="rep",
        changes={},
    )
    for language in ("en", "zh-hans"):
        with translation.override(language):
            sentence = describe_events([event])[0].sentence
        assert sentence[-1] in ".。", sentence
        assert not ({".", "_"} & set(action)) or action not in sentence, sentence


@pytest.mark.django_db
def test_a_product_line_target_reads_as_target_and_floor():
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEvent
    from core.timeline import describe_events
    from keyaccounts.models import AccountPlan

    event = AuditEvent(
        target_type=ContentType.objects.get_for_model(AccountPlan),
        target_id=0,
        action="plan.target_set",
        actor_name="rep",
        changes={"Network": ["1000000", "800000"]},
    )
    described = describe_events([event])[0]
    assert described.sentence == "Product line target set by rep."
    assert described.details == ["Network: target 1,000,000.00, floor 800,000.00"]
