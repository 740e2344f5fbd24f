"""Factories for the test suite (factory_boy). Records are made through the ORM here; the
behaviour under test always goes through services, the API or pages."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Contact, Customer, IronTriangle, IronTriangleMember, OrgUnit, User
from contracts.choices import ContractKind, DirectBasis
from contracts.models import Contract, DirectContractRule
from core.choices import OrgUnitKind, Role, TriangleRole
from leads.models import Lead
from opportunities.forecast import stage_probability
from opportunities.models import Opportunity


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = OrgUnitKind.TEAM


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.SALES_REP
    password = factory.django.Password("pass-1234-word")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} Co., Ltd.")
    owner = None
    org_unit = factory.LazyAttribute(lambda c: c.owner.org_unit if c.owner else None)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")


def local_noon(days_ago: int) -> dt.datetime:
    """Noon in the site's time zone, `days_ago` calendar days ago: a moment whose count of
    days since is the same at any hour of the test run (days in a state are calendar days)."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def team(ar=None, sr=None, fr=None) -> IronTriangle:
    triangle = IronTriangle.objects.create()
    for role, user in ((TriangleRole.AR, ar), (TriangleRole.SR, sr), (TriangleRole.FR, fr)):
        if user is not None:
            IronTriangleMember.objects.create(team=triangle, user=user, role=role)
    return triangle


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    title = factory.Sequence(lambda n: f"Lead {n}")
    company_name = factory.Sequence(lambda n: f"Prospect {n} Ltd")
    owner = None
    org_unit = factory.LazyAttribute(lambda lead: lead.owner.org_unit if lead.owner else None)
    estimated_amount = Decimal("1000000.00")


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"Opportunity {n}")
    customer = factory.LazyAttribute(lambda o: CustomerFactory(owner=o.owner))
    owner = factory.SubFactory(UserFactory)
    org_unit = factory.LazyAttribute(lambda o: o.owner.org_unit)
    team = factory.LazyAttribute(lambda o: team(ar=o.owner))
    amount = Decimal("1000000.00")
    margin_pct = Decimal("30")
    down_payment_pct = Decimal("30")
    # As the stage services set it: the stage's probability in force for the unit.
    probability_pct = factory.LazyAttribute(
        lambda o: stage_probability(o.org_unit, getattr(o, "state", None) or "identified")
    )


class DirectContractRuleFactory(factory.django.DjangoModelFactory):
    """A company rule allowing direct contracts (ADR 14); by default a small order up to 10M."""

    class Meta:
        model = DirectContractRule

    name = factory.Sequence(lambda n: f"Direct rule {n}")
    kind = DirectBasis.SMALL_ORDER
    org_unit = factory.SubFactory(OrgUnitFactory)
    max_amount = Decimal("10000000.00")
    currency = "CNY"


def _basis_of(contract) -> str:
    if getattr(contract, "framework", None) is not None:
        return DirectBasis.CALL_OFF
    if getattr(contract, "kind", None) == ContractKind.FRAMEWORK:
        return DirectBasis.FRAMEWORK
    if getattr(contract, "renewal_of", None) is not None:
        return DirectBasis.RENEWAL
    return DirectBasis.SMALL_ORDER


def _standing_rule(contract):
    """Factory contracts are signable like real ones: made without an ATC, they name a
    permissive rule of their kind for their unit (tests of the rules themselves use real
    ones); with an ATC review they need none."""
    if getattr(contract, "atc_review", None) is not None:
        return None
    return DirectContractRuleFactory(
        kind=_basis_of(contract),
        org_unit=contract.org_unit,
        max_amount=Decimal("999999999999.00"),
        currency=getattr(contract, "currency", None) or "CNY",
    )


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    title = factory.Sequence(lambda n: f"Contract {n}")
    customer = factory.LazyAttribute(lambda c: CustomerFactory(owner=c.owner))
    owner = factory.SubFactory(UserFactory)
    org_unit = factory.LazyAttribute(lambda c: c.owner.org_unit)
    team = factory.LazyAttribute(lambda c: team(ar=c.owner))
    amount = Decimal("1000000.00")
    direct_rule = factory.LazyAttribute(_standing_rule)
    direct_basis = factory.LazyAttribute(lambda c: c.direct_rule.kind if c.direct_rule else "")
    direct_basis_by = factory.LazyAttribute(lambda c: c.owner if c.direct_rule else None)
