"""Direct contracts: the explicit rules under which a contract may be signed without an ATC.

The LTC method signs a contract after the ATC gate (签约决策) of its opportunity. Some contracts
have no opportunity of their own: an order called off under a signed framework agreement, the
renewal of an existing contract, a small order. A company allows them only under a rule it
configures here (which kind, up to what amount, in which part of the organisation, by which
roles); the contract names the rule it falls under, and its signing is refused when neither a
passed ATC nor a rule that still holds is behind it (docs/adr/0014-direct-contracts.md).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from core.choices import Role
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField, format_money

from ..choices import ContractKind, ContractState, DirectBasis

#: The contract kind each basis is for.
BASIS_CONTRACT_KIND = {
    DirectBasis.CALL_OFF: ContractKind.CALL_OFF,
    DirectBasis.RENEWAL: ContractKind.STANDARD,
    DirectBasis.SMALL_ORDER: ContractKind.STANDARD,
    DirectBasis.FRAMEWORK: ContractKind.FRAMEWORK,
}


class DirectContractRule(TimeStampedModel):
    """A company's permission to sign one kind of contract without an ATC: in `org_unit`'s
    subtree, up to `max_amount` in `currency`, made by users of `roles` (empty: any role).
    Administrators keep the rules; a contract relying on one names it."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("basis"), max_length=20, choices=DirectBasis.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="direct_contract_rules",
        help_text=_("Applies to contracts of this unit and the units below it."),
    )
    max_amount = MoneyField(
        _("maximum amount"),
        validators=[MinValueValidator(0)],
        help_text=_("The largest contract amount (incl. tax) the rule allows."),
    )
    currency = CurrencyField(_("currency"))
    roles = models.JSONField(
        _("roles"),
        default=list,
        blank=True,
        help_text=_("The roles that may make such contracts; empty: any role."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("direct-contract rule")
        verbose_name_plural = _("direct-contract rules")
        ordering = ["org_unit__path", "kind", "id"]
        indexes = [models.Index(fields=["is_active", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_amount__gte=0), name="direct_rule_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        unknown = [r for r in (self.roles or []) if r not in Role.values]
        if not isinstance(self.roles, list) or unknown:
            raise ValidationError({"roles": [_("Unknown role.")]})

    def allows_role(self, user: User | None) -> bool:
        if not self.roles:
            return True
        return user is not None and (user.is_superuser or user.role in self.roles)

    def refusal(self, contract, *, by: User | None) -> dict[str, str]:
        """Why this rule does not cover `contract` made by `by`: {field: message}, empty when
        it does. Judged when the basis is stated and again when the contract is signed."""
        name = self.name
        if not self.is_active:
            return {
                "direct_rule": _g("The direct-contract rule “%(rule)s” is no longer active.")
                % {"rule": name}
            }
        if not self.allows_role(by):
            return {
                "direct_rule": _g("Your role may not make contracts under “%(rule)s”.")
                % {"rule": name}
            }
        unit = contract.org_unit
        if unit is None or not unit.path.startswith(self.org_unit.path):
            return {
                "direct_rule": _g("The rule “%(rule)s” does not apply to contracts of %(unit)s.")
                % {"rule": name, "unit": unit}
            }
        if contract.kind != BASIS_CONTRACT_KIND[self.kind]:
            return {
                "direct_rule": _g("The rule “%(rule)s” is for a %(basis)s, not a %(kind)s.")
                % {
                    "rule": name,
                    "basis": self.get_kind_display(),
                    "kind": contract.get_kind_display(),
                }
            }
        if contract.currency != self.currency:
            return {
                "currency": _g("The rule “%(rule)s” covers contracts in %(currency)s only.")
                % {"rule": name, "currency": self.currency}
            }
        if contract.amount is not None and contract.amount > self.max_amount:
            return {
                "amount": _g(
                    "The amount is above the limit of the rule “%(rule)s” (%(limit)s %(currency)s);"
                    " a larger contract needs its opportunity's ATC."
                )
                % {"rule": name, "limit": format_money(self.max_amount), "currency": self.currency}
            }
        if self.kind == DirectBasis.RENEWAL:
            previous = contract.renewal_of
            if previous is None:
                return {"renewal_of": _g("A renewal names the contract it renews.")}
            if previous.customer_id != contract.customer_id:
                return {"renewal_of": _g("A renewal continues a contract of the same customer.")}
            if previous.state in (ContractState.DRAFT, ContractState.TERMINATED):
                return {"renewal_of": _g("Only a signed contract is renewed.")}
        if self.kind == DirectBasis.CALL_OFF and contract.framework_id is None:
            return {"framework": _g("A call-off order needs its framework agreement.")}
        return {}
