"""The vocabulary every stage shares: roles, iron-triangle roles, gates, decisions, currencies."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """A user's job in the sales organisation; it decides what the access policy lets them do."""

    SALES_REP = "sales_rep", _("Sales rep (AR)")
    SOLUTION_MANAGER = "solution_manager", _("Solution manager (SR)")
    FULFILLMENT_MANAGER = "fulfillment_manager", _("Fulfillment manager (FR)")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")
    #: A person of a channel partner (issue 21.3, ADR 21): the partner portal only, their own
    #: partner's records only, none of a seller's powers.
    PARTNER = "partner", _("Partner user")


class IdentitySource(models.TextChoices):
    """Where a person signs in from (ADR 25): this app's password, an OpenID Connect
    provider, or the company directory (LDAP / Active Directory)."""

    LOCAL = "", _("Password here")
    OIDC = "oidc", _("Single sign-on (OpenID Connect)")
    LDAP = "ldap", _("Company directory (LDAP)")


class RoleScope(models.TextChoices):
    """How far a configured role reaches from the org unit it is held in (issue 20.1): the
    holder's own records, the unit's, the unit's subtree, or the whole company."""

    OWN = "own", _("Own records")
    TEAM = "team", _("The unit")
    SUBTREE = "subtree", _("The unit and every unit below it")
    COMPANY = "company", _("The whole company")


class TriangleRole(models.TextChoices):
    """A seat in the iron triangle (铁三角). MEMBER is anyone added beyond the three."""

    AR = "ar", _("Account responsible (AR)")
    SR = "sr", _("Solution responsible (SR)")
    FR = "fr", _("Fulfillment responsible (FR)")
    MEMBER = "member", _("Team member")


class OrgUnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    REGION = "region", _("Regional department")
    OFFICE = "office", _("Representative office")
    TEAM = "team", _("Team")


class GateKind(models.TextChoices):
    ATI = "ati", _("ATI: authorize to initiate")
    ATB = "atb", _("ATB: authorize to bid")
    ATC = "atc", _("ATC: authorize to contract")
    CHANGE = "change", _("Contract change")
    CLOSE = "close", _("Contract close")


class GateState(models.TextChoices):
    OPEN = "open", _("Open")
    GO = "go", pgettext_lazy("gate decision", "Go")
    STOP = "stop", pgettext_lazy("gate decision", "Stop")
    HOLD = "hold", pgettext_lazy("gate decision", "Hold")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Decision(models.TextChoices):
    GO = "go", pgettext_lazy("gate decision", "Go")
    STOP = "stop", pgettext_lazy("gate decision", "Stop")
    HOLD = "hold", pgettext_lazy("gate decision", "Hold")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    GBP = "GBP", _("Pound sterling (GBP)")
    JPY = "JPY", _("Japanese yen (JPY)")


class JobRunStatus(models.TextChoices):
    """Where a run of an operations job stands; queued and running are the active ones."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


#: A job has at most one run in these states at a time (a partial unique constraint, ADR 15).
ACTIVE_JOB_RUN_STATES = (JobRunStatus.QUEUED, JobRunStatus.RUNNING)


def label(choices: type[models.TextChoices], value: str) -> str:
    """A stored choice value as people read it (its display name in the active language); a
    value the choices do not know is shown as it is."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
