"""Demo data seeders, registered by each app and run in value-stream order by `seed_demo`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

_seeders: list[tuple[int, str, Callable]] = []


@dataclass
class DemoContext:
    """What seeders hand on to later ones (users by username, customers, ...)."""

    password: str
    data: dict = field(default_factory=dict)
    log: Callable[[str], None] = print


def register(order: int, name: str):
    """Register `func(ctx: DemoContext)` to seed demo data; lower `order` runs first."""

    def decorator(func: Callable) -> Callable:
        if not any(n == name for _, n, _f in _seeders):
            _seeders.append((order, name, func))
        return func

    return decorator


def seeders() -> list[tuple[int, str, Callable]]:
    return sorted(_seeders, key=lambda s: s[0])
