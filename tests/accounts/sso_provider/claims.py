"""What the test provider says about its people: the standard claims from the user, and a
`company` scope with the employee id, groups and department the test gave (OP_USERS)."""

import json
import os

from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims

PEOPLE = {person["username"]: person for person in json.loads(os.environ.get("OP_USERS", "[]"))}


def userinfo(claims, user):
    claims["email"] = user.email
    claims["email_verified"] = True
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["name"] = f"{user.first_name} {user.last_name}".strip()
    claims["preferred_username"] = user.username
    return claims


class CompanyClaims(ScopeClaims):
    info_company = (_("Company"), _("Employee id, groups and department."))

    def scope_company(self):
        person = PEOPLE.get(self.user.username, {})
        return {
            "employee_id": person.get("employee_id", ""),
            "groups": person.get("groups", []),
            "department": person.get("department", ""),
        }
