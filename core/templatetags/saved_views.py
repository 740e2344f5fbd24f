"""`{% saved_views "leads:list" %}`: the saved views of a list page, and a form to save the
current filters."""

from django import template

from core.saved_views import clean_query, saved_views_for

register = template.Library()


@register.inclusion_tag("ltc/components/saved_views.html", takes_context=True)
def saved_views(context, page: str):
    request = context["request"]
    current = clean_query(request.GET.urlencode())
    return {
        "page": page,
        "views": list(saved_views_for(user=request.user, page=page)),
        "current_query": current,
        "user": request.user,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
