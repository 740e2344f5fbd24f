"""Locks on a natural key, held until the transaction ends: for a "check, then insert" whose
rule is softer than a unique index (a similar customer name is a warning that the user may
override), so two concurrent writers of the same key take turns and the second sees the
first. Where a unique constraint can say the rule, use the constraint (ADR 12).

PostgreSQL: `pg_advisory_xact_lock(hashtext(scope), hashtext(key))`, released at commit or
rollback. Two keys that hash alike only make their writers take turns. SQLite: every write
transaction takes the database's write lock when it begins (`transaction_mode` IMMEDIATE in
the settings), so the transaction already runs alone and nothing more is needed.
"""

from __future__ import annotations

from django.db import connection

#: A lock on a whole scope, for bulk writers that would otherwise take thousands of keys.
WHOLE = "*"


def hold(scope: str, *keys: str, shared: bool = False) -> None:
    """Lock each of `keys` within `scope` until the current transaction ends (waiting for
    whoever holds it). `shared` locks may be held by many transactions at once, never together
    with the exclusive lock on the same key. Keys are taken in one order, so two callers
    taking several keys cannot deadlock each other. Call inside `transaction.atomic`."""
    if not connection.in_atomic_block:
        raise RuntimeError("core.locks.hold needs a transaction: it is released at its end")
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        for key in sorted({key for key in keys if key}):
            cursor.execute(f"SELECT {function}(hashtext(%s), hashtext(%s))", [scope, key])
