"""The one router of the API: every record id in a URL is digits.

A path like `/gate-reviews/abc/decision/` or `/saved-views/true/` then matches no route and is
a 404 before any view runs, instead of reaching `int(pk)` or `filter(pk=...)` in a view.
"""

from rest_framework.routers import SimpleRouter

ID_REGEX = r"[0-9]+"


class Router(SimpleRouter):
    """SimpleRouter whose lookup (`{pk}`) matches digits only, unless a viewset declares its
    own `lookup_value_regex`."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", ID_REGEX)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"


def integer_ids_in_schema(result, generator, request, public):
    """drf-spectacular hook: the ids the router matches with ID_REGEX are integers in the
    OpenAPI schema (spectacular would otherwise describe them as patterned strings)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("pattern") == f"^{ID_REGEX}$":
                    parameter["schema"] = {"type": "integer"}
    return result
