"""Partner admission (准入) and partner project registration (项目报备) on the approval engine
(ADR 17, ADR 20): the kinds and their default chains (the nearest sales manager above the
partner's unit), which an administrator may change on the settings page."""

from django.utils.translation import gettext_noop

from core.approvals.choices import ApprovalKind, ApprovalMode, ApproverType, RoleLevel
from core.approvals.registry import ApprovalSubject, register_kind
from core.choices import Role

from .services import (
    partner_admission_ended,
    partner_admission_waiting,
    partner_registration_ended,
    partner_registration_waiting,
)

_NEAREST_MANAGER = {
    "type": ApproverType.ROLE.value,
    "role": Role.SALES_MANAGER.value,
    "level": RoleLevel.ANY.value,
}

register_kind(
    ApprovalKind.PARTNER_ADMISSION,
    ApprovalSubject(
        on_ended=partner_admission_ended,
        notify_waiting=partner_admission_waiting,
        default_name=gettext_noop("Partner admission"),
        default_steps=(
            {
                "name": gettext_noop("Managers over the partner"),
                "approver": _NEAREST_MANAGER,
                "mode": ApprovalMode.ANY_OF.value,
            },
        ),
    ),
)
register_kind(
    ApprovalKind.PARTNER_REGISTRATION,
    ApprovalSubject(
        on_ended=partner_registration_ended,
        notify_waiting=partner_registration_waiting,
        default_name=gettext_noop("Partner project registration"),
        default_steps=(
            {
                "name": gettext_noop("Managers over the partner"),
                "approver": _NEAREST_MANAGER,
                "mode": ApprovalMode.ANY_OF.value,
            },
        ),
    ),
)
