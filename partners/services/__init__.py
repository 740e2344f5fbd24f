"""Writes on channel partners (services, ADR 20)."""

from .members import member_create, member_deactivate
from .partners import (
    agreement_create,
    agreement_update,
    partner_admission_ended,
    partner_admission_waiting,
    partner_create,
    partner_submit_admission,
    partner_update,
    qualification_review,
    qualification_upload,
)
from .registrations import (
    partner_registration_convert,
    partner_registration_ended,
    partner_registration_submit,
    partner_registration_waiting,
    partner_sell_errors,
)

__all__ = [
    "agreement_create",
    "agreement_update",
    "member_create",
    "member_deactivate",
    "partner_admission_ended",
    "partner_admission_waiting",
    "partner_create",
    "partner_registration_convert",
    "partner_registration_ended",
    "partner_registration_submit",
    "partner_registration_waiting",
    "partner_sell_errors",
    "partner_submit_admission",
    "partner_update",
    "qualification_review",
    "qualification_upload",
]
