from rest_framework import permissions

from core import policy

from ..models import ApiKey


class IsAdminPerson(permissions.BasePermission):
    """An administrator signed in as a person: API keys never manage integrations."""

    def has_permission(self, request, view):
        user, key = request.user, request.auth
        return policy.may(user, "integrations.administer") and not isinstance(key, ApiKey)
