"""Parties: the people who sell and the customers they sell to.

OrgUnit is the sales organisation (company → region → representative office 代表处 → team);
User is a person in it with one role; Customer and Contact are the accounts we sell to;
IronTriangle is the AR/SR/FR team (铁三角) an opportunity or contract is run by. One module per
subject; every model is importable from `accounts.models`.
"""

from __future__ import annotations

from .activities import (
    Activity,
)
from .imports import (
    ImportIssue,
    ImportJob,
    import_upload_to,
)
from .parties import (
    ActiveContactManager,
    ActiveCustomerManager,
    Contact,
    Customer,
    CustomerAlias,
)
from .people import (
    OrgUnit,
    User,
)
from .registrations import (
    CustomerRegistration,
    project_key,
)
from .roles import (
    RoleAssignment,
    RoleDefinition,
)
from .sso import (
    SsoMappingRule,
)
from .teams import (
    AccountChainMember,
    IronTriangle,
    IronTriangleMember,
)

__all__ = [
    "AccountChainMember",
    "ActiveContactManager",
    "ActiveCustomerManager",
    "Activity",
    "Contact",
    "Customer",
    "CustomerAlias",
    "CustomerRegistration",
    "ImportIssue",
    "ImportJob",
    "IronTriangle",
    "IronTriangleMember",
    "OrgUnit",
    "RoleAssignment",
    "RoleDefinition",
    "SsoMappingRule",
    "User",
    "import_upload_to",
    "project_key",
]
