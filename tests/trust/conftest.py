"""Fixtures shared with the receivables tests."""

from tests.receivables.conftest import make_contract  # noqa: F401
