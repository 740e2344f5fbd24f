"""Rules live in the policy, not in views and templates (issue 18.2).

"May this user do X (to this record)?" is answered once: by `core.policy` and the rules each
area registers in its `rules.py` (`policy.may(user, name, obj)`), or by the service that acts.
Pages, API views, templates, panels, forms and models ask; they never look at a role
themselves. This test lists every role check in the source outside those homes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import policy

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "core",
    "accounts",
    "partners",
    "leads",
    "opportunities",
    "contracts",
    "receivables",
    "keyaccounts",
    "integrations",
    "ltc",
    "templates",
]

#: A role looked at: `user.is_finance`, `.is_admin`, `.is_manager`, `.is_superuser`,
#: `.is_staff` (attributes, not `policy.is_admin(user)` calls), `.role == / != / in`, or a
#: query on `role__in`, or any of those through `getattr`.
ROLE_CHECK = re.compile(
    r"\.is_(?:finance|manager|admin|superuser|staff)\b(?!\s*\()"
    r"|\.role\s*(?:==|!=|\bin\b|\bnot\s+in\b)"
    r"|\brole__in\b"
    r"|getattr\([^,]+,\s*[\"'](?:is_finance|is_manager|is_admin|is_superuser|role)[\"']"
)

#: Where role checks belong: the policy and the rules modules, the services that act on
#: someone's behalf, and the selectors that narrow reads (scopes).
HOMES = re.compile(
    r"(^core/policy\.py$|/rules\.py$|(^|/)services(\.py$|/)|(^|/)selectors(\.py$|/))"
)

#: The few other places, each with its reason.
ALLOWED = {
    # The role properties themselves, and the admin's list of audited fields.
    "accounts/models/people.py": "defines User.is_manager/is_finance/is_admin",
    "accounts/admin.py": "names is_staff/is_superuser as audited fields of a user",
    # Who receives a notice or a lead: picking people by role is the service's job there.
    "receivables/reminders.py": "picks the sales managers and finance to remind, by role",
    "leads/distribution.py": "hands leads to the team's active sales reps",
    # Company configuration keyed by role.
    "accounts/two_factor.py": "TWO_FACTOR_ROLES: the roles that need a second factor",
    "opportunities/pricing.py": "pricing rules are keyed by role (discount bands)",
    "contracts/models/direct.py": "a direct-contract rule lists the roles it allows",
    "core/context_processors.py": "the menu: the sections each role sees",
    # The gate authority rules (who decides a gate, who is escalated to) are the gates' policy.
    "core/gates.py": "gate authority rules",
    "core/gates/authority.py": "gate authority rules",
    "core/gates/config.py": "gate authority rules",
}

#: Role names used as data (a seat's role, a chain member's role), not a user's role.
NOT_A_USER = re.compile(r"\b(member|m|seat|r|row|rule|spec|c)\.role\b|\bmembers__role\b")


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            if path.suffix not in (".py", ".html") or "migrations" in path.parts:
                continue
            if "management" in path.parts or path.name in ("demo.py", "seed_demo.py"):
                continue
            yield path, path.relative_to(ROOT).as_posix()


def role_checks_outside_policy() -> list[str]:
    found = []
    for path, name in _sources():
        if HOMES.search(name) or name in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = NOT_A_USER.sub("", line)
            if ROLE_CHECK.search(code):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_no_role_checks_in_views_templates_forms_hooks_or_models():
    assert role_checks_outside_policy() == []


def test_the_scan_finds_a_role_check(tmp_path, monkeypatch):
    """The scan is not blind: a view that checks a role is reported."""
    view = ROOT / "core" / "_role_check_probe.py"
    view.write_text("def page(user):\n    return user.is_finance or user.role == 'admin'\n")
    try:
        found = role_checks_outside_policy()
    finally:
        view.unlink()
    assert found == ["core/_role_check_probe.py:2: return user.is_finance or user.role == 'admin'"]


def test_the_allowed_places_exist():
    """An allowance for a module that was moved or removed is stale: drop it."""
    missing = [name for name in ALLOWED if not (ROOT / name).exists()]
    gates = {"core/gates.py", "core/gates/authority.py", "core/gates/config.py"}
    assert [m for m in missing if m not in gates] == []
    assert len(gates & set(missing)) < len(gates)


NAMED = re.compile(r"""(?:\bmay\(\s*[\w.]+,\s*|\{%\s*may\s+)["']([a-z_]+\.[a-z_]+)["']""")


def test_every_permission_asked_for_is_a_registered_rule():
    """A page or service that asks for a rule nobody registered would fail at run time."""
    asked = set()
    for path, _name in _sources():
        asked.update(NAMED.findall(path.read_text(encoding="utf-8")))
    assert asked, "the scan found no permission asked for"
    assert sorted(asked - set(policy.rule_names())) == []


def test_an_unknown_permission_is_an_error(django_user_model):
    with pytest.raises(LookupError):
        policy.may(django_user_model(username="x"), "no.such_rule")
