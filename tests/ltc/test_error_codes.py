"""Every error code the source answers with is listed once, in core.error_codes (issue 18.6).

The codes are read from the source: `code=` arguments, `default_code` attributes, `{"code": ...}`
bodies, and the code argument of the helpers that build an error body. Codes DRF itself answers
with (throttled, method_not_allowed, ...) are listed too, and kept by the second test's
allowance for what is not written in this source.
"""

from __future__ import annotations

import ast
from pathlib import Path

from core.error_codes import ERROR_CODES

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "core",
    "messaging",
    "accounts",
    "partners",
    "leads",
    "opportunities",
    "contracts",
    "receivables",
    "documents",
)
APPS += ("keyaccounts", "calendars", "mailin", "insights", "channels", "incentives")
APPS += ("integrations", "portal", "ltc")
# Answered by DRF or Django from their own exception classes, not written in this source.
FROM_FRAMEWORKS = {
    "parse_error",
    "authentication_failed",
    "method_not_allowed",
    "not_acceptable",
    "unsupported_media_type",
    "throttled",
    "error",
}
# The position of the code among the arguments of the helpers that build an error body.
BODY_HELPERS = {"error_body": 0, "error_response": 1}


def _constant(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def codes_in_source() -> dict[str, str]:
    found: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            where = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                candidates = []
                if isinstance(node, ast.Call):
                    called = getattr(node.func, "id", getattr(node.func, "attr", None))
                    if called != "ValidationError":  # Django's field codes stay inside `fields`
                        candidates += [kw.value for kw in node.keywords if kw.arg == "code"]
                    name = getattr(node.func, "id", getattr(node.func, "attr", None))
                    if name in BODY_HELPERS and len(node.args) > BODY_HELPERS[name]:
                        candidates.append(node.args[BODY_HELPERS[name]])
                elif isinstance(node, ast.Dict):
                    candidates += [
                        v
                        for k, v in zip(node.keys, node.values, strict=True)
                        if _constant(k) == "code"
                    ]
                elif isinstance(node, ast.Assign):
                    targets = [getattr(t, "id", None) for t in node.targets]
                    if "default_code" in targets or "OUT_OF_SCOPE" in targets:
                        candidates.append(node.value)
                for candidate in candidates:
                    code = _constant(candidate)
                    if code:
                        found.setdefault(code, where)
    return found


def test_the_walk_finds_codes_of_every_kind():
    found = codes_in_source()
    assert found["duplicate_receipt"].startswith("receivables/")  # code=
    assert found["locked_out"] == "accounts/api/auth.py"  # default_code
    assert found["two_factor_required"] == "accounts/two_factor.py"  # {"code": ...}
    assert found["csrf_failed"] == "core/api/django_errors.py"  # error_response(status, code, ...)
    assert "out_of_scope" in found


def test_every_code_answered_is_listed():
    unlisted = {code: where for code, where in codes_in_source().items() if code not in ERROR_CODES}
    assert unlisted == {}


def test_every_listed_code_is_answered_somewhere():
    assert set(ERROR_CODES) - set(codes_in_source()) - FROM_FRAMEWORKS == set()


def test_each_code_says_its_status_and_meaning():
    for code, (status, meaning) in ERROR_CODES.items():
        assert code.isidentifier() and code == code.lower(), code
        assert status in {400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 500}, code
        assert meaning.endswith(".") and len(meaning) > 10, code
