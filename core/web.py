"""Building blocks of the pages: every list, detail, form and transition page uses these, so
policy scoping, error display, pagination and the timeline behave the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from rest_framework.request import Request

from . import fsm, hooks, policy
from .api.pagination import CursorPagination
from .audit import timeline
from .custom_fields.definitions import definitions
from .custom_fields.display import custom_columns
from .custom_fields.filtering import custom_text_search, text_fields_by_target
from .custom_fields.forms import carries_custom
from .custom_fields.ordering import custom_headers, custom_ordering_choices
from .errors import ApplicationError, ValidationFailed
from .money import amounts_hidden, amounts_shown


def apply_error(form, error: ApplicationError) -> None:
    """Show a service's error on the form: field messages next to their fields, the rest on
    top."""
    placed = False
    for name, msgs in error.fields.items():
        target = name if name in form.fields else None
        for msg in msgs:
            form.add_error(target, msg)
            placed = placed or target is not None
    if not placed:
        form.add_error(None, error.message)


def localise_filter_labels(filterset) -> None:
    """Label a filterset's fields in the request's language.

    django-filter makes a filter's form field once and keeps it, label included, as plain text
    in the language active then; the API schema builds them on the class's filters (with no
    model, so labelled "State" from the field name). Every page's filters would then stay in
    English for the life of the process. Drop the kept fields, and default labels made in any
    language, so they are made again now; explicit lazy labels stay. Call it before the
    filterset's form is built."""
    from django.conf import settings
    from django.utils import translation
    from django_filters.utils import label_for_filter

    for spec in filterset.filters.values():
        spec.__dict__.pop("_field", None)
        model, label = getattr(spec, "model", None), spec._label
        if model is None or not isinstance(label, str):
            continue
        defaults = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                defaults.add(
                    label_for_filter(model, spec.field_name, spec.lookup_expr, spec.exclude)
                )
        if label in defaults:
            spec._label = None


class PageCursor(CursorPagination):
    page_size = 25


class ListPage(LoginRequiredMixin, TemplateView):
    """A filtered, policy-scoped, cursor-paginated list; the filterset is the API's own."""

    filterset_class = None
    ordering_choices: list[tuple[str, str]] = []
    default_ordering = "-id"

    def base_queryset(self) -> models.QuerySet:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Rows whose amounts the user may not see are annotated so (`money_of` shows "—").
        queryset = policy.with_amounts_shown(self.base_queryset(), self.request.user)[0]
        filterset = self.filterset_class(
            self.request.GET or None, queryset=queryset, request=self.request
        )
        localise_filter_labels(filterset)
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
        # The record type's custom fields, read once for the sort menu and the columns.
        fields = definitions(queryset.model) if carries_custom(queryset.model) else []
        ordering_choices = self.ordering_choices + custom_ordering_choices(queryset.model, fields)
        ordering = self.request.GET.get("ordering") or self.default_ordering
        if ordering not in dict(ordering_choices) and ordering != self.default_ordering:
            ordering = self.default_ordering
        paginator = PageCursor()
        paginator.ordering = (ordering, "-id") if ordering.lstrip("-") != "id" else ordering
        drf_request = Request(self.request)
        rows = paginator.paginate_queryset(queryset, drf_request)
        changeable = policy.changeable_ids(queryset, self.request.user, [r.pk for r in rows])
        context.update(
            filter=filterset,
            rows=rows,
            custom_columns=(columns := custom_columns(queryset.model, rows, fields)),
            custom_headers=custom_headers(self.request, columns, ordering),
            changeable_ids=changeable,
            ordering=ordering,
            ordering_choices=ordering_choices,
            next_url=paginator.get_next_link(),
            previous_url=paginator.get_previous_link(),
        )
        return context


class RecordPage(LoginRequiredMixin, TemplateView):
    """A record's page: the record (404 unless the user may see it), the transitions the user
    may take, later stages' actions and links, and the audit timeline."""

    def base_queryset(self) -> models.QuerySet:
        raise NotImplementedError

    def get_object(self):
        if not hasattr(self, "_object"):
            queryset = policy.with_amounts_shown(self.base_queryset(), self.request.user)[0]
            self._object = get_object_or_404(queryset, pk=self.kwargs["pk"])
        return self._object

    def timeline_targets(self, obj) -> list[models.Model]:
        return [obj]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.get_object()
        user = self.request.user
        may_change = policy.can(user, obj, "change")
        context.update(
            object=obj,
            may_change=may_change,
            transitions=(
                fsm.available_transitions(obj, user, may_change=may_change)
                if hasattr(obj, "get_available_user_state_transitions")
                else []
            ),
            record_actions=hooks.actions_for(obj, user),
            record_links=hooks.links_for(obj),
            record_panels=hooks.panels_for(obj._meta.label, obj, user),
            timeline=timeline(*self.timeline_targets(obj)),  # paged by the template
        )
        return context

    def render_to_response(self, context, **kwargs):
        """A record whose amounts the user may not see is rendered with every amount hidden:
        its timeline's sentences and panels too, not only the fields `money_of` shows."""
        response = super().render_to_response(context, **kwargs)
        if not amounts_shown(context.get("object")):
            with amounts_hidden():
                response.render()
        return response


class RecordFormPage(LoginRequiredMixin, FormView):
    """Create or edit through a service; a service error lands on the form, never a 500."""

    template_name = "ltc/form_page.html"
    title = ""
    #: An irreversible save (a merge, say) asks this question first (see static/js/app.js).
    confirm = ""

    def base_queryset(self) -> models.QuerySet | None:
        return None

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_object"):
            obj = get_object_or_404(self.base_queryset(), pk=self.kwargs["pk"])
            if not policy.can(self.request.user, obj, "change"):
                raise Http404
            self._object = obj
        return self._object

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        obj = self.get_object()
        if obj is not None:
            # The form writes the submitted values onto its instance while validating; give
            # it its own copy so the service compares against (and audits) the stored record.
            kwargs["instance"] = type(obj)._default_manager.get(pk=obj.pk)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, object=self.get_object(), confirm=self.confirm)
        return context

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except ApplicationError as error:
            apply_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(saved.get_absolute_url())


class MergePage(RecordFormPage):
    """Merge a duplicate, named by its number in the form's `source`, into this record: the
    subclass finds the duplicate as the user may see it and runs its app's merge service."""

    #: The form error when the number names nothing the user may see.
    missing = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def get_initial(self):
        return {"source": self.request.GET.get("source")}

    def resolve_source(self, pk: int):
        raise NotImplementedError

    def merge(self, target, source):
        raise NotImplementedError

    def save(self, form):
        source = self.resolve_source(form.cleaned_data["source"])
        if source is None:
            raise ValidationFailed(str(self.missing), fields={"source": [str(self.missing)]})
        return self.merge(self.get_object(), source)


class TransitionPage(LoginRequiredMixin, View):
    """POST a transition from a record page; the outcome comes back as a message."""

    def base_queryset(self) -> models.QuerySet:
        raise NotImplementedError

    def run(self, obj, name: str, reason: str, comment: str):
        return fsm.transition_run(obj, name, by=self.request.user, reason=reason, comment=comment)

    def post(self, request, pk, name):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        reason = request.POST.get("reason", "")[:2000]
        comment = request.POST.get("comment", "")[:4000]
        try:
            self.run(obj, name, reason, comment)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Done: %(label)s.") % {"label": fsm.label_of(type(obj), name)}
            )
        return HttpResponseRedirect(obj.get_absolute_url())


# --- Global search: each app registers what it lets a user find (from AppConfig.ready) ---------


@dataclass(frozen=True)
class Searchable:
    """A kind of record the global search finds: `queryset(user)` is the app's policy-scoped
    selector (so no one finds what they may not see), `fields` are matched case-insensitively,
    `url(record)` links the hit, `detail(record)` is the grey line under it."""

    key: str
    label: str
    queryset: Callable[[object], models.QuerySet]
    fields: tuple[str, ...]
    url: Callable[[models.Model], str] = lambda record: record.get_absolute_url()
    detail: Callable[[models.Model], str] = lambda record: ""
    order: int = 50


_searchables: dict[str, Searchable] = {}

#: Hits shown per kind of record; the kind's own list page has the rest.
SEARCH_LIMIT = 8


def register_search(searchable: Searchable) -> None:
    _searchables[searchable.key] = searchable


def search(user, query: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Every registered kind of record matching `query`, each group scoped by the policy: one
    query per kind, newest first."""
    query = query.strip()
    if len(query) < 2:
        return []
    groups, text_fields = [], text_fields_by_target()
    for searchable in sorted(_searchables.values(), key=lambda s: s.order):
        match = Q()
        for field in searchable.fields:
            match |= Q(**{f"{field}__icontains": query})
        queryset = searchable.queryset(user)
        fields = text_fields.get(queryset.model._meta.label_lower)
        if fields and carries_custom(queryset.model):  # and the type's custom text fields
            queryset, custom = custom_text_search(queryset, query, fields)
            match |= custom
        rows = list(queryset.filter(match).order_by("-pk")[: limit + 1])
        if rows:
            groups.append(
                {
                    "key": searchable.key,
                    "label": searchable.label,
                    "more": len(rows) > limit,
                    "hits": [
                        {"text": str(r), "url": searchable.url(r), "detail": searchable.detail(r)}
                        for r in rows[:limit]
                    ],
                }
            )
    return groups
