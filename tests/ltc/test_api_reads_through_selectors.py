"""The API and the pages read through the same selectors (issue 18.5).

Every scoped API resource names its app's selector (`selector = staticmethod(receipt_list)`),
and `ScopedViewSetMixin.get_queryset` returns what that selector gives the user: one scope and
one set of joins for a resource, whichever way it is read.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from core.api.mixins import ScopedViewSetMixin


def _viewsets(patterns=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _viewsets(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None:
                yield cls


SCOPED = sorted(
    {cls for cls in _viewsets() if issubclass(cls, ScopedViewSetMixin)}, key=lambda c: c.__name__
)


def test_the_walk_finds_the_scoped_resources():
    names = {cls.__name__ for cls in SCOPED}
    assert {"ReceiptViewSet", "OpportunityViewSet", "CustomerViewSet"} <= names


@pytest.mark.parametrize("viewset", SCOPED, ids=lambda c: c.__name__)
def test_every_scoped_resource_reads_through_its_apps_selector(viewset):
    selector = viewset.selector
    assert selector is not None, f"{viewset.__name__} builds its own queryset"
    module = selector.__module__
    assert module.split(".")[1:2] == ["selectors"] or module.endswith(".selectors"), module


@pytest.mark.django_db
@pytest.mark.parametrize("viewset", SCOPED, ids=lambda c: c.__name__)
def test_the_api_reads_what_the_selector_gives(viewset, org, rf):
    request = rf.get("/")
    request.user = org.rep
    view = viewset(request=request, action="list", kwargs={}, format_kwarg=None)
    expected, read = viewset.selector(user=org.rep), view.get_queryset()
    assert read.model is expected.model
    assert _where(expected) and _where(expected) in str(read.query)


def _where(queryset) -> str:
    """The scope a queryset applies: its SQL from WHERE up to any ORDER BY."""
    sql = str(queryset.query)
    return sql[sql.find(" WHERE ") :].split(" ORDER BY ")[0] if " WHERE " in sql else ""
