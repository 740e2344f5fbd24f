"""Saved list views: a list page's query string under a name, one's own or the team's.

A list page shows them with `{% load saved_views %}{% saved_views "leads:list" %}`; the API is
/api/v1/saved-views/.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .errors import NotFound, ValidationFailed
from .models import SavedView

#: Parameters that are a position in a list, not a filter.
IGNORED = {"cursor", "page"}


def clean_query(query: str) -> str:
    """The query string without paging, as saved."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False)]
    return urlencode([(k, v) for k, v in pairs if k not in IGNORED and v != ""])[:2000]


def saved_views_for(*, user, page: str) -> QuerySet[SavedView]:
    """The user's own views of `page` and those their team shares."""
    q = Q(user=user)
    if user.org_unit_id:
        q |= Q(shared=True, org_unit_id=user.org_unit_id)
    return SavedView.objects.filter(q, page=page).select_related("user").order_by("name", "id")


def saved_view_save(*, user, page: str, name: str, query: str, shared: bool = False) -> SavedView:
    """Save (or overwrite, by name) the user's view of `page`."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name the view."), fields={"name": [_("Required.")]})
    if len(name) > 80 or len(page) > 60 or not page:
        raise ValidationFailed(_("Invalid input."), fields={"name": [_("Too long.")]})
    with transaction.atomic():
        view, _created = SavedView.objects.update_or_create(
            user=user,
            page=page,
            name=name,
            defaults={
                "query": clean_query(query),
                "shared": bool(shared),
                "org_unit_id": user.org_unit_id,
            },
        )
    return view


def saved_view_delete(*, user, pk: int) -> None:
    """Delete one of the user's own views."""
    deleted, _rows = SavedView.objects.filter(pk=pk, user=user).delete()
    if not deleted:
        raise NotFound(_("No such view."))


# --- Pages: save and delete from a list page's component ---------------------------------------


def _back(request):
    from django.http import HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return HttpResponseRedirect(target)


def save_page(request):
    """POST from the component: save the current filters under a name."""
    from django.contrib import messages

    from .errors import ApplicationError

    try:
        saved_view_save(
            user=request.user,
            page=request.POST.get("page", ""),
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=bool(request.POST.get("shared")),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return _back(request)


def delete_page(request, pk: int):
    """POST from the component: delete one of the user's own views."""
    from django.contrib import messages

    try:
        saved_view_delete(user=request.user, pk=pk)
    except NotFound as error:
        messages.error(request, error.message)
    return _back(request)
