"""The chat channels' API and pages (ADR 24): channels configured by administrators with
write-only secrets, people's ids, the delivery log and its retry, and each person's choice of
channels per notification kind (urgent kinds on by default)."""

from __future__ import annotations

import re

import pytest

from messaging.models import ChannelPreference, ChatChannel, ChatDelivery, ChatIdentity

from .conftest import tell

pytestmark = pytest.mark.django_db


def test_an_administrator_configures_a_channel_and_its_secret_is_never_answered(org, api):
    admin = api(org.admin)
    body = {
        "kind": "dingtalk_robot",
        "name": "Sales group",
        "endpoint": "https://oapi.dingtalk.com/robot/send?access_token=t",
        "secret": "SECsecret-value",
    }
    made = admin.post("/api/v1/chat-channels/", body, format="json")
    assert made.status_code == 201, made.json()
    assert "secret" not in made.json() and made.json()["has_secret"] is True
    listed = admin.get("/api/v1/chat-channels/").content.decode()
    assert "SECsecret-value" not in listed
    again = admin.post("/api/v1/chat-channels/", body, format="json")
    assert again.status_code == 400 and "kind" in again.json()["fields"]

    url = f"/api/v1/chat-channels/{made.json()['id']}/"
    assert admin.patch(url, {"name": "Renamed"}, format="json").status_code == 200
    assert ChatChannel.objects.get().secret == "SECsecret-value"  # kept when not sent
    assert admin.patch(url, {"secret": "SECnew"}, format="json").status_code == 200
    assert ChatChannel.objects.get().secret == "SECnew"
    assert admin.patch(url, {"kind": "feishu_bot"}, format="json").status_code == 400

    for user in (org.manager, org.rep, org.finance):
        assert api(user).get("/api/v1/chat-channels/").status_code == 403
        assert api(user).post("/api/v1/chat-channels/", body, format="json").status_code == 403


def test_people_ids_are_set_one_by_one_or_imported_all_or_nothing(org, api):
    admin = api(org.admin)
    one = admin.post(
        "/api/v1/chat-identities/",
        {"user": org.manager.pk, "vendor": "wecom", "external_id": "zhao.wei"},
        format="json",
    )
    assert one.status_code == 201, one.json()
    taken = admin.post(
        "/api/v1/chat-identities/",
        {"user": org.rep.pk, "vendor": "wecom", "external_id": "zhao.wei"},
        format="json",
    )
    assert taken.status_code == 400 and "external_id" in taken.json()["fields"]
    bad = admin.post(
        "/api/v1/chat-identities/import/",
        {"text": "rep,feishu,ou_1\nnobody,feishu,ou_2\nrep,icq,3"},
        format="json",
    )
    assert bad.status_code == 400 and len(bad.json()["fields"]["text"]) == 2
    assert not ChatIdentity.objects.filter(vendor="feishu").exists()
    good = admin.post(
        "/api/v1/chat-identities/import/",
        {"text": "rep,feishu,ou_1\nmanager,dingtalk,d-9\n"},
        format="json",
    )
    assert good.json() == {"imported": 2}
    assert ChatIdentity.objects.count() == 3
    assert api(org.rep).get("/api/v1/chat-identities/").status_code == 403


def test_urgent_kinds_go_to_the_chat_app_by_default_and_each_person_chooses(
    org, api, vendor, make_channel, django_capture_on_commit_callbacks
):
    robot = make_channel("wecom_robot")
    with django_capture_on_commit_callbacks(execute=True):
        urgent = tell(org.rep)
        plain = tell(org.rep, kind="lead.assigned")
    assert ChatDelivery.objects.filter(notification=urgent).exists()
    assert not ChatDelivery.objects.filter(notification=plain).exists()

    mine = api(org.rep)
    off = mine.post(
        "/api/v1/channel-preferences/",
        {"kind": "activity.overdue", "channel": robot.pk, "enabled": False},
        format="json",
    )
    assert off.status_code == 201, off.json()
    on = mine.post(
        "/api/v1/channel-preferences/",
        {"kind": "lead.assigned", "channel": robot.pk, "enabled": True},
        format="json",
    )
    assert on.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        urgent = tell(org.rep)
        plain = tell(org.rep, kind="lead.assigned")
        teammate = tell(org.teammate)  # the rep's choice is the rep's own
    assert not ChatDelivery.objects.filter(notification=urgent).exists()
    assert ChatDelivery.objects.get(notification=plain).status == "sent"
    assert ChatDelivery.objects.filter(notification=teammate).exists()

    again = mine.post(
        "/api/v1/channel-preferences/",
        {"kind": "activity.overdue", "channel": robot.pk, "enabled": True},
        format="json",
    )
    assert again.status_code == 201 and ChannelPreference.objects.filter(user=org.rep).count() == 2
    assert api(org.teammate).get("/api/v1/channel-preferences/").json()["results"] == []
    other = api(org.teammate).delete(f"/api/v1/channel-preferences/{again.json()['id']}/")
    assert other.status_code == 404


def test_the_preferences_page_saves_the_ticks(client, org, make_channel):
    robot = make_channel("feishu_bot")
    client.force_login(org.rep)
    page = client.get("/messages/preferences/")
    assert (
        page.status_code == 200 and f'name="activity.overdue|{robot.pk}" ' in page.content.decode()
    )
    # every urgent kind ticked but one: that one is switched off, nothing else is stored
    ticked = {
        name: "on"
        for name in re.findall(r'name="([a-z_.]+\|\d+)"[^>]* checked', page.content.decode())
    }
    ticked.pop(f"activity.overdue|{robot.pk}")
    ticked[f"lead.assigned|{robot.pk}"] = "on"
    client.post("/messages/preferences/", ticked)
    stored = {(p.kind, p.enabled) for p in ChannelPreference.objects.filter(user=org.rep)}
    assert ("activity.overdue", False) in stored


def test_the_delivery_log_shows_the_vendors_answer_and_a_failed_one_is_retried(
    org, api, client, vendor, make_channel, django_capture_on_commit_callbacks, settings
):
    settings.CHAT_MAX_ATTEMPTS = 1
    make_channel("wecom_robot", endpoint=f"{vendor.base}/wecom/robot/send?key=wrong")
    with django_capture_on_commit_callbacks(execute=True):
        tell(org.rep)
    [row] = api(org.admin).get("/api/v1/chat-deliveries/").json()["results"]
    assert (row["status"], row["errcode"], row["errmsg"]) == (
        "failed",
        "93000",
        "invalid webhook url",
    )
    client.force_login(org.admin)
    page = client.get("/messages/deliveries/?status=failed").content.decode()
    assert "93000" in page and "invalid webhook url" in page

    ChatChannel.objects.update(endpoint=f"{vendor.base}/wecom/robot/send?key=wecom-robot-key")
    with django_capture_on_commit_callbacks(execute=True):
        retried = api(org.admin).post(f"/api/v1/chat-deliveries/{row['id']}/retry/")
    assert retried.status_code == 202
    assert ChatDelivery.objects.get().status == "sent"
    twice = api(org.admin).post(f"/api/v1/chat-deliveries/{row['id']}/retry/")
    assert twice.status_code == 409 and twice.json()["code"] == "chat_delivery_not_failed"
    assert api(org.manager).get("/api/v1/chat-deliveries/").status_code == 403


def test_the_settings_pages_are_for_administrators(client, org, vendor):
    client.force_login(org.admin)
    form = client.post(
        "/messages/channels/feishu_bot/",
        {
            "name": "Sales",
            "enabled": "on",
            "endpoint": f"{vendor.base}/feishu/hook/x",
            "secret": "s3",
        },
    )
    assert form.status_code == 302
    assert ChatChannel.objects.get().secret == "s3"
    page = client.get("/messages/channels/feishu_bot/").content.decode()
    assert "s3" not in page
    client.post("/messages/identities/", {"text": "rep,feishu,ou_5"})
    assert ChatIdentity.objects.get().external_id == "ou_5"
    assert client.get("/messages/channels/nonsense/").status_code == 404
    client.force_login(org.manager)
    for path in ("/messages/channels/", "/messages/identities/", "/messages/deliveries/"):
        assert client.get(path).status_code == 403
