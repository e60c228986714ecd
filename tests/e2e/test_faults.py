"""Faults: the action server killed or too slow mid-conversation, and a broken
knowledge base at start-up.

Rasa 3.6.21 alone logs a failed custom action and sends nothing; our launcher
(runner_rasa/resilience.py) turns the failure into `utter_action_unavailable`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.servers import ROOT, Server, Stack, free_port, project_dir, rasa_stack, start_action_server

CREDENTIALS = "channels.rest.RestInput:\n"
ACTION_TIMEOUT = 3  # seconds, as `action_endpoint.timeout` in endpoints.yml
APOLOGY = "can't reach my knowledge base"
# The form's answers as the web page's buttons send them: independent of NLU changes.
DURATION_NEW, NO_RACE = '/inform{"duration": "new"}', "/deny"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with rasa_stack(CREDENTIALS, launcher=True, action_endpoint_yaml=f"  timeout: {ACTION_TIMEOUT}\n") as running:
        yield running


def say(stack: Stack, sender: str, message: str) -> tuple[int, str]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{stack.rasa.url}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
        return response.status, "\n".join(r.get("text", "") for r in replies).lower()


def crash(server: Server) -> None:
    """SIGKILL the server's process group, as a crash or the OOM killer would."""
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(10)


def test_action_server_killed_mid_conversation(stack: Stack) -> None:
    assert stack.restart_actions is not None
    sender = "fault-killed"
    status, reply = say(stack, sender, "my calves are really tight after runs")
    assert status == 200 and "how long" in reply, reply

    crash(stack.action_server)
    status, reply = say(stack, sender, DURATION_NEW)  # the form's validation action is unreachable
    assert status == 200 and APOLOGY in reply, reply
    status, reply = say(stack, sender, "what is myofascial release?")
    assert status == 200 and APOLOGY in reply and reply.count(APOLOGY) == 1, reply

    stack.action_server = stack.restart_actions()
    status, reply = say(stack, sender, "what is myofascial release?")
    assert status == 200 and "fascia" in reply and APOLOGY not in reply, reply


class _SlowActionServer(BaseHTTPRequestHandler):
    """Answers /health, then never answers an action in time."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(ACTION_TIMEOUT * 10)

    def log_message(self, *args: object) -> None:
        pass


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # don't wait for the sleeping handlers on shutdown


def test_slow_action_server_gets_an_apology_within_the_timeout(stack: Stack) -> None:
    assert stack.restart_actions is not None
    stack.action_server.stop()
    slow = _StubServer(("127.0.0.1", urlsplit(stack.action_server.url).port or 0), _SlowActionServer)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        status, reply = say(stack, "fault-slow", "what is myofascial release?")
        elapsed = time.monotonic() - started
    finally:
        slow.shutdown()
        slow.server_close()
    assert status == 200 and APOLOGY in reply, reply
    assert ACTION_TIMEOUT <= elapsed < ACTION_TIMEOUT + 5, f"answered after {elapsed:.1f}s"

    stack.action_server = stack.restart_actions()
    status, reply = say(stack, "fault-slow", "what is myofascial release?")
    assert status == 200 and "fascia" in reply and APOLOGY not in reply, reply


def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(ROOT / "bot" / "knowledge", copy)
    text = (copy / file).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}: update this test"
    (copy / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def start_fails(knowledge: Path) -> str:
    """Starts the action server on `knowledge`; returns its output after it exits (it must)."""
    server = start_action_server(project_dir(), free_port(), {"RUNNER_KB_DIR": str(knowledge)}, wait=False)
    try:
        code = server.process.wait(90)
    finally:
        server.stop()
    log = server.log.read_text(errors="replace")
    assert code != 0, f"action server started on a broken knowledge base:\n{log[-2000:]}"
    return log


def test_broken_knowledge_base_stops_the_action_server_naming_file_and_key(tmp_path: Path) -> None:
    knowledge = broken_copy(tmp_path, "techniques.yml", "    name: Swedish massage", "    nam: Swedish massage")
    log = start_fails(knowledge)
    assert "knowledge base error" in log and str(knowledge / "techniques.yml") in log, log[-2000:]
    assert "techniques[0]" in log and "'nam'" in log, log[-2000:]


def test_invalid_yaml_in_the_knowledge_base_is_named(tmp_path: Path) -> None:
    knowledge = broken_copy(tmp_path, "topics.yml", "topics:", "topics: [unclosed")
    log = start_fails(knowledge)
    assert "knowledge base error" in log and str(knowledge / "topics.yml") in log, log[-2000:]
