"""The hook by which the opportunities app turns an approved partner registration into an
opportunity (STYLE 4: a later stage registers its step at start-up; partners never import it).

`register_converter(fn)`: `fn(*, registration, by, data) -> opportunity`; `opportunity_of(
registration)` answers (number, url) of the opportunity it became, for the pages."""

from __future__ import annotations

from collections.abc import Callable

_converter: dict[str, Callable] = {}


def register_converter(convert: Callable, opportunity_of: Callable) -> None:
    _converter["convert"] = convert
    _converter["opportunity_of"] = opportunity_of


def converter() -> Callable | None:
    return _converter.get("convert")


def opportunity_of(registration) -> tuple[str, str] | None:
    found = _converter.get("opportunity_of")
    return found(registration) if found else None
