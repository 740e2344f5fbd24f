from __future__ import annotations

import pytest

from core.messages import message
from core.notifications import notify
from messaging.models import ChatChannel, ChatIdentity
from tests.opportunities.conftest import opportunity, products  # noqa: F401 - fixtures

from .receiver import Receiver, channel_settings


@pytest.fixture(scope="module")
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def vendor(receiver):
    receiver.reset()
    return receiver


@pytest.fixture
def make_channel(vendor):
    """`make_channel(kind, **overrides)`: the company's channel of `kind`, at the receiver."""

    def make(kind: str, **overrides) -> ChatChannel:
        data = {**channel_settings(vendor.base)[kind], **overrides}
        return ChatChannel.objects.create(kind=kind, name=kind, **data)

    return make


@pytest.fixture
def ids(org):
    """The manager's ids in each chat app."""
    for vendor_name, external in (
        ("wecom", "zhao.wei"),
        ("dingtalk", "d-0042"),
        ("feishu", "ou_7d8a"),
    ):
        ChatIdentity.objects.create(user=org.manager, vendor=vendor_name, external_id=external)
    return org


def tell(user, kind="activity.overdue", url="/opportunities/1/"):
    """An urgent notification (unless `kind` is not) to `user`, as any app sends one."""
    params = {"step": "Call the CIO", "date": "2026-12-01", "kind": "Call", "summary": "Budget"}
    if kind == "lead.assigned":
        params = {"lead": "Guangzhou Metro"}
    return notify(recipients=[user], kind=kind, message=message(kind, **params), url=url)[0]
