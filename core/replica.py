"""Reads from a streaming replica (issue 24.5, ADR 35).

With `DATABASE_REPLICA_URL` set, the database alias `replica` exists and the views marked
`@reads_from_replica` (reports, dashboards, exports, the API's list action) read from it;
everything else reads and writes on the primary (`default`): a record page, a form about to
be saved, `select_for_update`, any read inside a transaction. Nothing is guessed from the SQL.

A marked view still reads from the primary when:
- the request is not a GET/HEAD/OPTIONS, or a transaction is open on the primary;
- its user wrote within `REPLICA_STICKY_SECONDS` (read-your-writes: the time of a user's last
  write is kept under a per-user cache key, shared by every web process through Redis);
- the replica lags more than `REPLICA_MAX_LAG_SECONDS` behind the primary, or is down. Its
  state is probed at most every `REPLICA_CHECK_SECONDS` per process and remembered in between;
- the replica fails during the view (a connection error): the view is run again on the
  primary, the replica is counted as down until the next probe, and a warning is logged.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator

REPLICA = "replica"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
logger = logging.getLogger("ltc.replica")

_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("ltc_replica_reads", default=False)

# How far the replica has replayed the primary's WAL: caught up (lag 0) when it has replayed
# what the primary had flushed a moment before; otherwise the age of the last transaction it
# replayed (an idle primary whose first write in a while is on its way reads as lagging until
# the replica has replayed it: the safe side). A server that is not a standby has no lag.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery()
            THEN pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) ELSE 0 END,
       CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END
"""


def configured() -> bool:
    """Whether a replica is configured (`DATABASE_REPLICA_URL`)."""
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads inside `reads_from_replica` / `replica_reads` go to the replica unless a
    transaction is open on the primary; everything else, and every write, to the primary."""

    def db_for_read(self, model, **hints):
        if _reading.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


# --- The replica's state, probed at most every REPLICA_CHECK_SECONDS ------------------------


class _Health:
    def __init__(self) -> None:
        self.checked_at = -math.inf
        self.usable: bool | None = None
        self.reason = "not checked"


_health = _Health()
_probing = threading.Lock()


def replica_usable() -> bool:
    """Whether the replica answers and is within `REPLICA_MAX_LAG_SECONDS` of the primary:
    the last probe's answer while it is younger than `REPLICA_CHECK_SECONDS`."""
    if not configured():
        return False
    if time.monotonic() - _health.checked_at < settings.REPLICA_CHECK_SECONDS:
        return bool(_health.usable)
    if not _probing.acquire(blocking=False):  # another thread is probing: its last answer
        return bool(_health.usable)
    try:
        usable, reason = _probe()
        _remember(usable, reason)
    finally:
        _probing.release()
    return usable


def _remember(usable: bool, reason: str) -> None:
    """Keep the probe's answer; log when the replica comes into use or goes out of it."""
    if usable != _health.usable:
        log = logger.info if usable else logger.warning
        state = "in use" if usable else "not used, reading from the primary"
        log("read replica %s: %s", state, reason)
    _health.usable, _health.reason, _health.checked_at = usable, reason, time.monotonic()


def _probe() -> tuple[bool, str]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()")
            (primary_lsn,) = cursor.fetchone()
    except (DatabaseError, InterfaceError) as error:
        return False, f"the primary's WAL position is unknown ({_one_line(error)})"
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL, [primary_lsn, primary_lsn])
            _standby, behind_bytes, lag = cursor.fetchone()
    except (DatabaseError, InterfaceError) as error:
        _close_replica()
        return False, f"unavailable ({_one_line(error)})"
    if lag is None or behind_bytes is None:
        return False, "behind, and no transaction replayed since it started"
    lag = float(lag)
    bound = settings.REPLICA_MAX_LAG_SECONDS
    if lag > bound:
        return False, f"{lag:.1f} s behind ({int(behind_bytes)} bytes of WAL), more than {bound} s"
    return True, f"{lag:.1f} s behind ({int(behind_bytes)} bytes of WAL)"


def replica_failed(error: BaseException) -> None:
    """The replica failed during a read: count it as down until the next probe."""
    _close_replica()
    reason = f"failed during a read, read again from the primary ({_one_line(error)})"
    logger.warning("read replica %s", reason)
    _health.usable, _health.reason, _health.checked_at = False, reason, time.monotonic()


def _close_replica() -> None:
    with contextlib.suppress(DatabaseError, InterfaceError):
        connections[REPLICA].close()


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]


# --- Read-your-writes ----------------------------------------------------------------------


def _wrote_key(user_id) -> str:
    return f"replica:wrote:{user_id}"


def note_write(user) -> None:
    """`user` has just written: their reads stay on the primary for REPLICA_STICKY_SECONDS."""
    if configured() and user is not None and user.is_authenticated:
        seconds = settings.REPLICA_STICKY_SECONDS
        cache.set(_wrote_key(user.pk), time.time(), timeout=math.ceil(seconds) + 1)


def wrote_recently(user) -> bool:
    """Whether `user` wrote within the last REPLICA_STICKY_SECONDS (an unreadable cache counts
    as yes: the primary is always right)."""
    if user is None or not user.is_authenticated:
        return False
    try:
        at = cache.get(_wrote_key(user.pk))
    except Exception:  # noqa: BLE001 - the cache down: read from the primary, as before
        logger.warning("read-your-writes cache unreadable: reading from the primary")
        return True
    return at is not None and time.time() - at < settings.REPLICA_STICKY_SECONDS


class ReadYourWritesMiddleware:
    """Notes the time of each signed-in user's write (any request that is not GET, HEAD or
    OPTIONS, the API's token users included) before the answer leaves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and configured():
            note_write(getattr(request, "user", None))
        return response


# --- Marking the reads -----------------------------------------------------------------------


def may_read_from_replica(user) -> bool:
    """Whether reads now may go to the replica for `user`."""
    return (
        configured()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        and not wrote_recently(user)
        and replica_usable()
    )


@contextlib.contextmanager
def replica_reads(user=None) -> Iterator[bool]:
    """Reads inside go to the replica when it may serve `user` now (yields whether they do).
    For a job or command; a view uses `reads_from_replica`, which also falls back when the
    replica fails in the middle."""
    use = may_read_from_replica(user)
    token = _reading.set(use)
    try:
        yield use
    finally:
        _reading.reset(token)


def reads_from_replica(view):
    """Marks a read-only view (a report, dashboard, export or list): on GET, its reads go to the
    replica when `may_read_from_replica`; a connection error from the replica runs it again on
    the primary. A template response is rendered, and a streamed download's rows are read,
    inside the mark. For a method, `method_decorator(reads_from_replica)`."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS or not may_read_from_replica(request.user):
            return view(request, *args, **kwargs)
        try:
            response = _on_replica(view, request, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            replica_failed(error)
            return view(request, *args, **kwargs)
        if getattr(response, "streaming", False) and not hasattr(response, "file_to_stream"):
            response.streaming_content = _streamed_from_replica(response.streaming_content)
        return response

    wrapper.reads_from_replica = True
    return wrapper


def mark_replica_reads(cls, name: str = "get") -> None:
    """`cls.<name>` (a view's method) marked `reads_from_replica`, once."""
    method = getattr(cls, name, None)
    if method is not None and not getattr(method, "reads_from_replica", False):
        marked = method_decorator(reads_from_replica)(method)
        marked.reads_from_replica = True
        setattr(cls, name, marked)


class ReplicaReads:
    """A class-based view whose GET reads from the replica: `class Report(ReplicaReads, View)`
    marks its `get` (and a subclass's own `get`) with `reads_from_replica`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        mark_replica_reads(cls, "get")


def _on_replica(view, request, *args, **kwargs):
    token = _reading.set(True)
    try:
        response = view(request, *args, **kwargs)
        if isinstance(response, TemplateResponse):
            response.render()
        return response
    finally:
        _reading.reset(token)


def _streamed_from_replica(chunks: Iterable) -> Iterator:
    """Each chunk of a streamed download made with its reads on the replica: the rows' query
    starts at the first chunk (a server-side cursor then stays where it was opened)."""
    iterator = iter(chunks)
    while True:
        token = _reading.set(True)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _reading.reset(token)
        yield chunk
