"""A local stand-in for the chat vendors' endpoints, on 127.0.0.1: it checks each request as
the vendor would (the robot key or access token, DingTalk's and Feishu's signatures and their
one-hour window, each message type's required fields) and answers in the vendor's shape, an
error code (HTTP 200) included. Only the published formats are assumed (messaging/vendors.py
cites them)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROBOT_KEY = "wecom-robot-key"
CORP_ID, CORP_SECRET, WECOM_TOKEN = "ww-corp", "wecom-app-secret", "wecom-token-1"
DING_ROBOT_TOKEN, DING_SECRET = "ding-robot-token", "SECding-robot-secret"
DING_KEY, DING_APP_SECRET, DING_TOKEN = "ding-app-key", "ding-app-secret", "ding-token-1"
FEISHU_SECRET = "feishu-bot-secret"


def _is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


class Receiver:
    """Every request it got (`requests`: path, query, body, verdict); `script` holds answers
    to give instead, in order; `delay` holds the next answers that long."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[dict] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: dict) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def do_GET(self):
                self._answer(receiver.handle(self.path, None))

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                self._answer(receiver.handle(self.path, body))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.script.clear()
            self.delay = 0.0

    def sent(self, path_start: str) -> list[dict]:
        """The messages (not token requests) that arrived on paths starting so."""
        return [r for r in self.requests if r["path"].startswith(path_start) and r["body"]]

    # --- the vendors ---------------------------------------------------------------------------

    def handle(self, target: str, body) -> dict:
        url = urlparse(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.delay:
            time.sleep(self.delay)
        answer = self.verdict(url.path, query, body)
        with self.lock:
            self.requests.append({"path": url.path, "query": query, "body": body, "answer": answer})
            if self.script and body is not None:
                answer = self.script.pop(0)
        return answer

    def verdict(self, path: str, query: dict, body) -> dict:
        if path == "/wecom/robot/send":
            if query.get("key") != ROBOT_KEY:
                return {"errcode": 93000, "errmsg": "invalid webhook url"}
            ok = body.get("msgtype") == "markdown" and _is_text(body["markdown"].get("content"))
            return _wecom(ok)
        if path == "/wecom/cgi-bin/gettoken":
            if (query.get("corpid"), query.get("corpsecret")) != (CORP_ID, CORP_SECRET):
                return {"errcode": 40001, "errmsg": "invalid credential"}
            return {"errcode": 0, "errmsg": "ok", "access_token": WECOM_TOKEN, "expires_in": 7200}
        if path == "/wecom/cgi-bin/message/send":
            if query.get("access_token") != WECOM_TOKEN:
                return {"errcode": 40014, "errmsg": "invalid access_token"}
            card = body.get("textcard") or {}
            ok = (
                body.get("msgtype") == "textcard"
                and _is_text(body.get("touser"))
                and isinstance(body.get("agentid"), int)
                and all(_is_text(card.get(k)) for k in ("title", "description", "url"))
            )
            return _wecom(ok)
        if path == "/dingtalk/robot/send":
            if query.get("access_token") != DING_ROBOT_TOKEN:
                return {"errcode": 300001, "errmsg": "token is not exist"}
            timestamp = query.get("timestamp", "0")
            string = f"{timestamp}\n{DING_SECRET}".encode()
            expected = base64.b64encode(
                hmac.new(DING_SECRET.encode(), string, hashlib.sha256).digest()
            ).decode()
            fresh = abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
            if not fresh or not hmac.compare_digest(query.get("sign", ""), expected):
                return {"errcode": 310000, "errmsg": "sign not match"}
            card = body.get("actionCard") or {}
            ok = body.get("msgtype") == "actionCard" and all(
                _is_text(card.get(k)) for k in ("title", "text", "singleTitle", "singleURL")
            )
            return _wecom(ok)
        if path == "/dingtalk/gettoken":
            if (query.get("appkey"), query.get("appsecret")) != (DING_KEY, DING_APP_SECRET):
                return {"errcode": 40089, "errmsg": "invalid appkey or appsecret"}
            return {"errcode": 0, "errmsg": "ok", "access_token": DING_TOKEN, "expires_in": 7200}
        if path == "/dingtalk/topapi/message/corpconversation/asyncsend_v2":
            if query.get("access_token") != DING_TOKEN:
                return {"errcode": 88, "errmsg": "invalid access_token"}
            card = (body.get("msg") or {}).get("action_card") or {}
            ok = (
                isinstance(body.get("agent_id"), int)
                and _is_text(body.get("userid_list"))
                and body["msg"].get("msgtype") == "action_card"
                and all(_is_text(card.get(k)) for k in ("title", "markdown", "single_url"))
            )
            return {**_wecom(ok), "task_id": 1} if ok else _wecom(ok)
        if path.startswith("/feishu/hook/"):
            timestamp = str(body.get("timestamp", "0"))
            key = f"{timestamp}\n{FEISHU_SECRET}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = abs(time.time() - int(timestamp)) < 3600
            if not fresh or not hmac.compare_digest(str(body.get("sign", "")), expected):
                return {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                }
            card = body.get("card") or {}
            elements = card.get("elements") or []
            buttons = [a for e in elements if e.get("tag") == "action" for a in e["actions"]]
            ok = (
                body.get("msg_type") == "interactive"
                and _is_text(card["header"]["title"]["content"])
                and any(_is_text(b.get("url")) for b in buttons)
            )
            return (
                {"code": 0, "msg": "success", "data": {}}
                if ok
                else {"code": 9499, "msg": "Bad Request"}
            )
        return {"errcode": 404, "errmsg": "no such endpoint"}


def _wecom(ok: bool) -> dict:
    return (
        {"errcode": 0, "errmsg": "ok"}
        if ok
        else {"errcode": 40008, "errmsg": "invalid message type"}
    )


def channel_settings(base: str) -> dict:
    """The settings of each kind of channel, pointed at the receiver at `base`."""
    return {
        "wecom_robot": {"endpoint": f"{base}/wecom/robot/send?key={ROBOT_KEY}"},
        "wecom_app": {
            "endpoint": f"{base}/wecom",
            "app_id": CORP_ID,
            "secret": CORP_SECRET,
            "agent_id": "1000002",
        },
        "dingtalk_robot": {
            "endpoint": f"{base}/dingtalk/robot/send?access_token={DING_ROBOT_TOKEN}",
            "secret": DING_SECRET,
        },
        "dingtalk_work": {
            "endpoint": f"{base}/dingtalk",
            "app_id": DING_KEY,
            "secret": DING_APP_SECRET,
            "agent_id": "2000003",
        },
        "feishu_bot": {"endpoint": f"{base}/feishu/hook/abc-123", "secret": FEISHU_SECRET},
    }
