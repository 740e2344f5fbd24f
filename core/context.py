"""Who is acting and from where, for the audit trail, without threading it through every call."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""
    via: str = ""  # "web", "api", "task", "command"
    api_key: str = ""  # the prefix of the API key a system acts with


NOWHERE = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "ltc_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or NOWHERE


def set_current(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
