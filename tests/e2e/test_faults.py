"""Faults: the action server killed or too slow mid-conversation, a broken
knowledge base at start-up, and crashes under the real `make run` supervisor.

Rasa 3.6.21 alone logs a failed custom action and sends nothing; our launcher
(rasa_extensions/resilience.py) turns the failure into `utter_action_unavailable`.
`make run` (launch/run.py) restarts a service that crashes: the tests at the end
start it as `make run` does, `kill -9` its action server and then its Rasa server,
and time how long until real answers come back (written to
tests/e2e/artifacts/restart-times.json).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from launch.services import START_TIMEOUT
from tests.e2e.rest_client import say_text
from tests.e2e.servers import (
    ARTIFACTS,
    ROOT,
    Server,
    Stack,
    children,
    free_port,
    listening_addresses,
    project_dir,
    rasa_stack,
    start_action_server,
)

CREDENTIALS = "channels.rest.RestInput:\n"
ACTION_TIMEOUT = 3  # seconds, as `action_endpoint.timeout` in endpoints.yml
APOLOGY = "can't reach my knowledge base"
# The form's answers as the web page's buttons send them: independent of NLU changes.
DURATION_NEW, NO_RACE = '/inform{"duration": "new"}', "/deny"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with rasa_stack(CREDENTIALS, launcher=True, action_endpoint_yaml=f"  timeout: {ACTION_TIMEOUT}\n") as running:
        yield running


def post(base_url: str, sender: str, message: str, timeout: float = 60) -> tuple[int, str]:
    return 200, say_text(base_url, sender, message, timeout)  # any other status raises


def say(stack: Stack, sender: str, message: str) -> tuple[int, str]:
    return post(stack.rasa.url, sender, message)


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


# --- crashes under `make run` (launch/run.py) -----------------------------------------

RESTART_DEADLINE = 60  # seconds from the crash until real answers come back
QUESTION, REAL_ANSWER = "what is myofascial release?", "fascia"


@dataclass
class Launched:
    """`python -m launch run` (what `make run` runs) on free ports."""

    process: subprocess.Popen[bytes]
    output: Path
    rasa_url: str
    action_port: int
    restart_seconds: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def child(self, marker: str) -> int:
        """The pid of the launcher's child whose command line contains `marker`."""
        for pid in children(self.process.pid):
            try:
                if marker in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode():
                    return pid
            except OSError:
                continue
        raise AssertionError(f"no child running {marker!r}:\n{self.text()[-3000:]}")


def answered(url: str, sender: str, message: str) -> str | None:
    """The reply, or None while the server is down or restarting."""
    try:
        return post(url, sender, message, timeout=30)[1]
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return None


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    work = tmp_path_factory.mktemp("make-run")
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port), "WEB_PORT": str(web_port),
           "RUNNER_LOG_DIR": str(work / "logs"), "RUNNER_TRACKER_DB": str(work / "conversations.db"),
           "PYTHONPATH": str(ROOT)}
    env.pop("ACTION_HOST", None)
    env.pop("TELEGRAM_TOKEN", None)
    output = ARTIFACTS / "make-run.out"
    ARTIFACTS.mkdir(exist_ok=True)
    with output.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "launch", "run"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    running = Launched(process, output, f"http://127.0.0.1:{rasa_port}", action_port)
    try:
        deadline = time.monotonic() + START_TIMEOUT + 30
        while "The assistant is ready" not in running.text():
            assert process.poll() is None, f"make run exited:\n{running.text()[-3000:]}"
            assert time.monotonic() < deadline, f"make run not ready:\n{running.text()[-3000:]}"
            time.sleep(1)
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        (ARTIFACTS / "restart-times.json").write_text(json.dumps(running.restart_seconds, indent=2) + "\n")


def test_make_run_binds_the_action_server_to_loopback_only(launched: Launched) -> None:
    assert listening_addresses(launched.action_port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0 or ::


def test_make_run_restarts_a_killed_action_server_and_apologises_meanwhile(launched: Launched) -> None:
    sender = "make-run-actions"
    assert REAL_ANSWER in post(launched.rasa_url, sender, QUESTION)[1]
    victim = launched.child("rasa_sdk")
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    status, reply = post(launched.rasa_url, sender, QUESTION)
    assert status == 200 and APOLOGY in reply, reply

    reply = ""
    while REAL_ANSWER not in reply and time.monotonic() - killed < RESTART_DEADLINE:
        time.sleep(0.5)
        reply = post(launched.rasa_url, sender, QUESTION)[1]
    launched.restart_seconds["action_server"] = round(time.monotonic() - killed, 1)
    assert REAL_ANSWER in reply and APOLOGY not in reply, (reply, launched.text()[-3000:])
    assert launched.child("rasa_sdk") != victim
    assert "action server exited with code -9" in launched.text() and "restarted action server" in launched.text()


def test_make_run_restarts_a_killed_rasa_server_for_a_retrying_client(launched: Launched) -> None:
    sender = "make-run-rasa"
    assert REAL_ANSWER in post(launched.rasa_url, sender, QUESTION)[1]
    victim = launched.child("rasa_extensions")
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    reply = None
    while not (reply and REAL_ANSWER in reply) and time.monotonic() - killed < RESTART_DEADLINE:
        time.sleep(1)
        reply = answered(launched.rasa_url, sender, QUESTION)
    launched.restart_seconds["rasa_server"] = round(time.monotonic() - killed, 1)
    assert reply and REAL_ANSWER in reply, (reply, launched.restart_seconds, launched.text()[-3000:])
    assert "rasa server exited with code -9" in launched.text() and "restarted rasa server" in launched.text()


def test_make_run_stops_every_service_on_sigterm(launched: Launched) -> None:
    services = children(launched.process.pid)
    assert len(services) == 3, services
    launched.process.send_signal(signal.SIGTERM)
    assert launched.process.wait(60) == 0, launched.text()[-3000:]
    assert "Stopped." in launched.text()
    assert not [pid for pid in services if Path(f"/proc/{pid}").exists()]
