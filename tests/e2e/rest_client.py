"""One REST client for the end-to-end tests: Rasa's `/webhooks/rest/webhook`, as a runner's
app or `curl` calls it (every e2e module that talks REST uses these)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

WEBHOOK = "/webhooks/rest/webhook"
JSON = "application/json"


def post_raw(base_url: str, body: bytes, content_type: str | None = JSON, timeout: float = 60) -> tuple[int, Any]:
    """POSTs raw bytes; the status and the decoded JSON body (or the first bytes when it is not JSON).
    An HTTP error status is returned, not raised."""
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(base_url + WEBHOOK, body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"unparsed": raw[:200].decode(errors="replace")}


def send(base_url: str, sender: str, message: str, timeout: float = 60) -> list[dict[str, Any]]:
    """The bot's replies to one message; raises on an HTTP error or a timeout."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(base_url + WEBHOOK, body, {"Content-Type": JSON})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def reply_text(replies: list[dict[str, Any]]) -> str:
    """The replies' texts, one per line, lower-cased (for `in` checks)."""
    return "\n".join(r.get("text") or "" for r in replies).lower()


def say_text(base_url: str, sender: str, message: str, timeout: float = 60) -> str:
    return reply_text(send(base_url, sender, message, timeout))
