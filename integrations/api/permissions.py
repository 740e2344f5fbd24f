from rest_framework import permissions

from ..models import ApiKey


class IsAdminPerson(permissions.BasePermission):
    """An administrator signed in as a person: API keys never manage integrations."""

    def has_permission(self, request, view):
        return bool(getattr(request.user, "is_admin", False)) and not isinstance(
            request.auth, ApiKey
        )
