"""Fixtures of the channel partner tests: an admitted, qualified agent of the carrier team's
rep (its partner manager) selling 5G in Guangdong, and helpers that run the approval engine."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.approvals.engine import open_request_for, request_decide
from partners.services import partner_create, partner_submit_admission, qualification_upload
from tests.factories import CustomerFactory

PDF = b"%PDF-1.4\n% test\n%%EOF\n"


def pdf(name="licence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def decide(subject, by, decision="approve", comment="Checked"):
    """Decide the subject's open approval request as `by`."""
    request = open_request_for(subject)
    assert request is not None, "no open approval request"
    return request_decide(request=request, by=by, decision=decision, comment=comment)


def make_partner(org, *, name="Yunlian Tech", tier="agent", admit=True, **data):
    partner = partner_create(
        by=org.rep,
        data={
            "name": name,
            "tier": tier,
            "territories": ["广东"],
            "product_lines": ["5G"],
            **data,
        },
    )
    qualification_upload(
        partner=partner,
        by=org.rep,
        file=pdf(),
        kind="business_licence",
        valid_until=timezone.localdate() + dt.timedelta(days=365),
    )
    if admit:
        partner_submit_admission(partner=partner, by=org.rep)
        decide(partner, org.manager)
        partner.refresh_from_db()
    return partner


@pytest.fixture
def partner(org):
    return make_partner(org)


@pytest.fixture
def other_partner(org):
    return make_partner(org, name="Xinda Networks", tier="general_distributor")


@pytest.fixture
def customer(org):
    return CustomerFactory(
        name="Guangdong Power Grid", owner=org.rep, org_unit=org.gd_carrier, region="广东"
    )
