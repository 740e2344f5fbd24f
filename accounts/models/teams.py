"""The iron triangle (铁三角: AR / SR / FR) that runs an opportunity or contract, and the
customer's standing decision chain."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import TriangleRole
from core.models import TimeStampedModel
from core.policy import AccessSpec

from ..choices import (
    ChainRole,
    CoachLevel,
    RelationshipStrength,
    Stance,
)
from .parties import Contact, Customer
from .people import User


class IronTriangle(models.Model):
    """The iron triangle (铁三角): AR, SR and FR, plus any further members.

    Opportunities and contracts each own one. A contract made from an opportunity gets a
    copy, so changes during execution never rewrite the opportunity's history.
    """

    class Meta:
        verbose_name = _("iron triangle")
        verbose_name_plural = _("iron triangles")

    def __str__(self) -> str:
        seats = {m.role: m.user for m in self.members.all()}
        return " / ".join(
            f"{role.upper()}: {seats[role]}" for role in ("ar", "sr", "fr") if role in seats
        ) or str(_("(empty team)"))

    def seat(self, role: str) -> User | None:
        for member in self.members.all():
            if member.role == role:
                return member.user
        return None

    @property
    def ar(self) -> User | None:
        return self.seat(TriangleRole.AR)

    @property
    def sr(self) -> User | None:
        return self.seat(TriangleRole.SR)

    @property
    def fr(self) -> User | None:
        return self.seat(TriangleRole.FR)

    def missing_seats(self) -> list[str]:
        """The AR/SR/FR seats still empty: a gate cannot open until this is empty."""
        filled = {m.role for m in self.members.all()}
        return [r for r in (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR) if r not in filled]

    @property
    def is_complete(self) -> bool:
        return not self.missing_seats()

    def roles_of(self, user) -> list[str]:
        return [m.role for m in self.members.all() if m.user_id == user.pk]


class IronTriangleMember(models.Model):
    team = models.ForeignKey(IronTriangle, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="team_seats"
    )
    role = models.CharField(_("seat"), max_length=10, choices=TriangleRole.choices)

    class Meta:
        verbose_name = _("iron triangle member")
        verbose_name_plural = _("iron triangle members")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "role"],
                condition=~Q(role=TriangleRole.MEMBER),
                name="one_user_per_triangle_seat",
            ),
            models.UniqueConstraint(
                fields=["team", "user", "role"], name="triangle_member_once_per_seat"
            ),
        ]
        indexes = [models.Index(fields=["user", "team"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.user}"


class AccountChainMember(TimeStampedModel):
    """One person of the customer on its standing decision chain (决策链): their role in the
    customer's buying decisions, their stance toward us, our relationship and whether they guide
    us. People and relationships outlast one deal: a new opportunity for the customer starts
    with a copy of this chain (opportunities.services.decision_chain_seed)."""

    access = AccessSpec(via="customer")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="chain"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role in the decision"), max_length=24, choices=ChainRole.choices)
    stance = models.CharField(
        _("stance"), max_length=12, choices=Stance.choices, default=Stance.NEUTRAL
    )
    relationship = models.PositiveSmallIntegerField(
        _("relationship strength"),
        choices=RelationshipStrength.choices,
        default=RelationshipStrength.NONE,
    )
    coach_level = models.CharField(
        _("guide / coach"), max_length=10, choices=CoachLevel.choices, default=CoachLevel.NONE
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("account decision-chain member")
        verbose_name_plural = _("account decision chain")
        ordering = ["customer", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "contact"], name="contact_once_per_account_chain"
            ),
            models.CheckConstraint(
                condition=models.Q(relationship__lte=4), name="account_chain_relationship_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return f"{self.customer.get_absolute_url()}#account-chain"
