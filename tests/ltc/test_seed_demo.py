"""`manage.py seed_demo` builds the demo company through the services, once."""

import pytest
from django.core.management import call_command

from accounts.models import User
from contracts.models import Contract
from core.models import GateReview
from leads.models import Lead
from opportunities.models import Opportunity
from receivables.models import PaymentMilestone, Receipt

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_believable_company_and_is_idempotent(capsys):
    call_command("seed_demo", password="demo-pass-123")
    out = capsys.readouterr().out
    assert "ar.chen" in out and "demo-pass-123" in out
    assert {u.role for u in User.objects.all()} >= {
        "sales_rep",
        "solution_manager",
        "fulfillment_manager",
        "sales_manager",
        "finance",
        "admin",
    }
    assert len(set(Lead.objects.values_list("state", flat=True))) >= 5
    assert len(set(Opportunity.objects.values_list("state", flat=True))) >= 4
    assert GateReview.objects.filter(state="go", escalated=True).exists()
    assert Contract.objects.filter(state="in_delivery").count() == 2
    assert PaymentMilestone.objects.filter(state="paid").exists()
    assert Receipt.objects.count() == 2
    assert User.objects.get(username="ar.chen").check_password("demo-pass-123")
    call_command("seed_demo")
    assert "already present" in capsys.readouterr().out
    assert Receipt.objects.count() == 2
