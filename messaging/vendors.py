"""Each chat app's signing and message formats, and the one HTTP call that sends.

Formats as the vendors publish them (links checked 2026-12):

- WeCom group robot: POST `<webhook>?key=…`, `{"msgtype": "markdown", "markdown": {"content"}}`,
  the person mentioned as `<@userid>`; answer `{"errcode": 0, "errmsg": "ok"}`
  (https://developer.work.weixin.qq.com/document/path/91770).
- WeCom application message: `GET /cgi-bin/gettoken?corpid&corpsecret` for an access_token,
  then `POST /cgi-bin/message/send?access_token=…` with `touser`, `agentid`,
  `msgtype: "textcard"` (`title`, `description`, `url`, `btntxt`) and the vendor's duplicate
  check on (https://developer.work.weixin.qq.com/document/path/90236, /91039).
- DingTalk custom robot: `POST <webhook>&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(
  key=secret, msg="<timestamp>\\n<secret>")))>`, `{"msgtype": "actionCard", "actionCard":
  {"title", "text", "singleTitle", "singleURL"}, "at": {"atUserIds"}}`; answer `errcode` 0
  (https://open.dingtalk.com/document/robots/customize-robot-security-settings,
  https://open.dingtalk.com/document/development/robot-message-type).
- DingTalk work notification: `GET /gettoken?appkey&appsecret`, then `POST
  /topapi/message/corpconversation/asyncsend_v2?access_token=…` with `agent_id`,
  `userid_list`, `msg: {"msgtype": "action_card", "action_card": {"title", "markdown",
  "single_title", "single_url"}}`
  (https://open.dingtalk.com/document/orgapp/asynchronous-sending-of-enterprise-session-messages).
- Feishu custom bot: `POST <webhook>` with `timestamp` (seconds) and `sign` =
  base64(HMAC-SHA256(key="<timestamp>\\n<secret>", msg="")) in the body, `msg_type:
  "interactive"` and a `card` (header, a `lark_md` div, a button with the link); answer
  `{"code": 0}` (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot).

WeCom and DingTalk answer HTTP 200 with `errcode` != 0 on an error, Feishu with `code` != 0;
each is a `VendorError` carrying the vendor's code and message for the delivery log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.core.cache import cache

from .choices import ChannelKind

TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class ChatMessage:
    """What one person is told: a title, a few lines, the link back to the record, the
    decision link (if any) and the person's id in the app (for a mention or to address)."""

    title: str
    text: str
    url: str
    button: str
    to: str = ""


class VendorError(Exception):
    """The vendor refused (its own code and message) or could not be reached."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = str(code), str(message)[:500]


def dingtalk_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _call(url: str, body: dict | None = None) -> dict:
    """One request (POST with a JSON body, else GET); the vendor's JSON answer."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the address an administrator configured
        url, data=data, method="POST" if data is not None else "GET"
    )
    request.add_header("Content-Type", "application/json; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise VendorError(f"http_{exc.code}", exc.reason or "") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise VendorError("unreachable", str(reason) or type(exc).__name__) from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise VendorError("bad_answer", raw[:200].decode(errors="replace")) from exc
    if not isinstance(answer, dict):
        raise VendorError("bad_answer", str(answer)[:200])
    return answer


def _check(answer: dict, code_key: str = "errcode", message_key: str = "errmsg") -> dict:
    code = answer.get(code_key, 0)
    if code not in (0, "0"):
        raise VendorError(str(code), str(answer.get(message_key, "")))
    return answer


def _with_query(url: str, **params) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}{urllib.parse.urlencode(params)}"


def _access_token(channel, path: str, **params) -> str:
    """The application's access token, cached until shortly before it expires."""
    key = f"messaging:token:{channel.kind}:{channel.pk}:{channel.updated_at.timestamp()}"
    token = cache.get(key)
    if token:
        return token
    answer = _check(_call(_with_query(channel.endpoint.rstrip("/") + path, **params)))
    token = answer.get("access_token") or ""
    if not token:
        raise VendorError("no_token", "the vendor answered no access_token")
    cache.set(key, token, max(int(answer.get("expires_in", 7200)) - 300, 60))
    return token


def _markdown(message: ChatMessage) -> str:
    return f"**{message.title}**\n\n{message.text}\n\n[{message.button}]({message.url})"


def send_wecom_robot(channel, message: ChatMessage) -> None:
    content = _markdown(message) + (f"\n<@{message.to}>" if message.to else "")
    _check(_call(channel.endpoint, {"msgtype": "markdown", "markdown": {"content": content}}))


def send_wecom_app(channel, message: ChatMessage) -> None:
    token = _access_token(
        channel, "/cgi-bin/gettoken", corpid=channel.app_id, corpsecret=channel.secret
    )
    body = {
        "touser": message.to,
        "msgtype": "textcard",
        "agentid": int(channel.agent_id or 0),
        "textcard": {
            "title": message.title,
            "description": message.text,
            "url": message.url,
            "btntxt": message.button,
        },
        "enable_duplicate_check": 1,
        "duplicate_check_interval": 1800,
    }
    url = _with_query(channel.endpoint.rstrip("/") + "/cgi-bin/message/send", access_token=token)
    _check(_call(url, body))


def send_dingtalk_robot(channel, message: ChatMessage) -> None:
    url = channel.endpoint
    if channel.secret:
        timestamp = str(int(time.time() * 1000))
        url = _with_query(url, timestamp=timestamp, sign=dingtalk_sign(channel.secret, timestamp))
    text = _markdown(message) + (f"\n\n@{message.to}" if message.to else "")
    body = {
        "msgtype": "actionCard",
        "actionCard": {
            "title": message.title,
            "text": text,
            "singleTitle": message.button,
            "singleURL": message.url,
        },
        "at": {"atUserIds": [message.to] if message.to else [], "isAtAll": False},
    }
    _check(_call(url, body))


def send_dingtalk_work(channel, message: ChatMessage) -> None:
    token = _access_token(channel, "/gettoken", appkey=channel.app_id, appsecret=channel.secret)
    body = {
        "agent_id": int(channel.agent_id or 0),
        "userid_list": message.to,
        "msg": {
            "msgtype": "action_card",
            "action_card": {
                "title": message.title,
                "markdown": _markdown(message),
                "single_title": message.button,
                "single_url": message.url,
            },
        },
    }
    path = "/topapi/message/corpconversation/asyncsend_v2"
    _check(_call(_with_query(channel.endpoint.rstrip("/") + path, access_token=token), body))


def send_feishu_bot(channel, message: ChatMessage) -> None:
    mention = f'\n<at id="{message.to}"></at>' if message.to else ""
    body = {
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": message.title}},
            "elements": [
                {"tag": "div", "text": {"tag": "lark_md", "content": message.text + mention}},
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "text": {"tag": "plain_text", "content": message.button},
                            "url": message.url,
                            "type": "primary",
                        }
                    ],
                },
            ],
        },
    }
    if channel.secret:
        timestamp = str(int(time.time()))
        body = {"timestamp": timestamp, "sign": feishu_sign(channel.secret, timestamp), **body}
    _check(_call(channel.endpoint, body), "code", "msg")


SENDERS = {
    ChannelKind.WECOM_ROBOT: send_wecom_robot,
    ChannelKind.WECOM_APP: send_wecom_app,
    ChannelKind.DINGTALK_ROBOT: send_dingtalk_robot,
    ChannelKind.DINGTALK_WORK: send_dingtalk_work,
    ChannelKind.FEISHU_BOT: send_feishu_bot,
}


def send(channel, message: ChatMessage) -> None:
    """Send `message` on `channel`; raises `VendorError` when it did not go out."""
    SENDERS[channel.kind](channel, message)
