"""Factories for the test suite (factory_boy). Records are made through the ORM here; the
behaviour under test always goes through services, the API or pages."""

from decimal import Decimal

import factory

from accounts.models import Contact, Customer, IronTriangle, IronTriangleMember, OrgUnit, User
from contracts.models import Contract
from leads.models import Lead
from ltc.choices import OrgUnitKind, Role, TriangleRole
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


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    title = factory.Sequence(lambda n: f"Contract {n}")
    customer = factory.LazyAttribute(lambda c: CustomerFactory(owner=c.owner))
    owner = factory.SubFactory(UserFactory)
    org_unit = factory.LazyAttribute(lambda c: c.owner.org_unit)
    team = factory.LazyAttribute(lambda c: team(ar=c.owner))
    amount = Decimal("1000000.00")
