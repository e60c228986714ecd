"""Scaled mode (deploy/scaled.py): two Rasa instances sharing PostgreSQL (tracker
store) and Redis (lock store) behind nginx.

- one conversation whose turns alternate between the instances keeps its state;
- killing one instance during a load run loses no conversation state, and the load
  goes on through the other (the client resends a request that the dead instance
  had accepted, as any client behind a load balancer must);
- least privilege: PostgreSQL refuses its superuser over TCP and Rasa's role is no
  superuser, Redis refuses commands without the password, nginx answers 404 for
  Rasa's HTTP API, and every service listens on 127.0.0.1 only.

Skipped, saying why, where PostgreSQL, Redis or nginx are missing and cannot be
installed (no root or no apt-get).
"""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from bench.load import PROFILES, run_load
from deploy.scaled import DB_NAME, DB_USER, ScaledDeployment, missing_binaries, tcp_answers
from launch.supervisor import Service, wait_healthy
from tests.e2e.rest_client import say_text
from tests.e2e.servers import ROOT, listening_addresses

TOKEN = "scaled-test-token"  # a throwaway token, to read trackers from this test's instances
CONVERSATIONS, TURNS = 8, 12
# The form's answers as the web page's buttons send them: independent of NLU changes.
DURATION_NEW, NO_RACE = '/inform{"duration": "new"}', "/deny"


def ensure_servers() -> str | None:
    """Installs the servers if we can; the reason to skip if they are still missing."""
    if missing_binaries():
        subprocess.run([str(ROOT / "scripts" / "install-system-deps.sh")], check=False, capture_output=True)
    missing = missing_binaries()
    if not missing:
        return None
    detail = subprocess.run([str(ROOT / "scripts" / "install-system-deps.sh")], check=False, capture_output=True,
                            text=True).stdout.strip()
    return f"scaled mode needs {', '.join(missing)}: {detail or 'not installed'}"


@pytest.fixture(scope="module")
def deployment() -> Iterator[ScaledDeployment]:
    reason = ensure_servers()
    if reason:
        pytest.skip(reason)
    with tempfile.TemporaryDirectory(prefix="scaled-test-") as state, \
            ScaledDeployment(2, state_dir=Path(state), rasa_env={"RASA_API_TOKEN": TOKEN}) as running:
        running.supervisor.watch_in_background()  # as `make run-scaled` does: a killed instance comes back
        yield running


def instance_url(deployment: ScaledDeployment, index: int) -> str:
    return f"http://127.0.0.1:{deployment.instance_ports[index]}"


say = say_text


def tracker(base_url: str, sender: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/conversations/rest:{sender}/tracker?token={TOKEN}", timeout=30) as reply:
        return json.loads(reply.read())


def user_texts(state: dict[str, Any]) -> list[str]:
    return [e.get("text") for e in state["events"] if e.get("event") == "user"]


def test_turns_alternating_between_instances_keep_the_conversation(deployment: ScaledDeployment) -> None:
    first, second = instance_url(deployment, 0), instance_url(deployment, 1)
    sender = "scaled-alternating"
    assert "how long" in say(first, sender, "my calves are really tight after runs")
    assert "race" in say(second, sender, DURATION_NEW)
    assert "your calf" in say(first, sender, NO_RACE)
    assert "because" in say(second, sender, "why?")
    assert "because" in say(deployment.url, sender, "why?")  # and through nginx
    assert tracker(first, sender)["slots"]["body_part"] == "calf"


def test_killing_an_instance_during_load_loses_no_state(deployment: ScaledDeployment) -> None:
    run_id = f"kill{int(time.time())}"
    outcome: dict[str, Any] = {}

    def load() -> None:
        outcome.update(run_load(deployment.url, conversations=CONVERSATIONS, turns=TURNS, retries=5, timeout=60,
                                max_seconds=150, run_id=run_id, pids=[deployment.instances[0].process.pid]))

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(4)  # the load is under way on both instances
    victim = deployment.instances[1]
    assert victim.running(), "instance 1 died before the test killed it"
    victim.kill()
    worker.join(180)
    assert not worker.is_alive(), "the load run did not finish"

    report = outcome["channels"]["rest"]
    assert report["errors"] == 0, report["error_samples"]
    assert report["lost"] == 0 and report["misattributed"] == 0, report

    # Every message of every conversation is in the shared tracker store, in order.
    survivor = instance_url(deployment, 0)
    script = PROFILES["runner"]
    for index in range(CONVERSATIONS):
        said, _ = script.parts[index % len(script.parts)]
        expected = [script.script[t % len(script.script)].format(part=said) for t in range(TURNS)]
        stored = user_texts(tracker(survivor, f"load-{run_id}-rest-{index}"))
        # A resent message may be stored twice (at-least-once); none may be missing or out of order.
        deduplicated = [text for i, text in enumerate(stored) if i == 0 or text != stored[i - 1]]
        assert deduplicated == expected, (index, stored)


# --- least privilege ----------------------------------------------------------------------


def connect(deployment: ScaledDeployment, user: str, password: str | None) -> psycopg2.extensions.connection:
    return psycopg2.connect(host="127.0.0.1", port=deployment.ports["postgres"], user=user, dbname=DB_NAME,
                            password=password, connect_timeout=10)


@pytest.mark.parametrize(("user", "password"), [("postgres", None), ("postgres", "postgres"), (DB_USER, None),
                                                (DB_USER, "wrong-password")])
def test_postgres_refuses_logins_without_the_password(deployment: ScaledDeployment, user: str,
                                                      password: str | None) -> None:
    with pytest.raises(psycopg2.OperationalError, match="password"):
        connect(deployment, user, password)


def test_rasa_connects_as_a_role_that_owns_the_database_and_is_no_superuser(deployment: ScaledDeployment) -> None:
    with connect(deployment, DB_USER, deployment.pg_password) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False, False)
        cursor.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        assert cursor.fetchone() == (DB_USER,)
        cursor.execute("SELECT count(*) FROM events")  # Rasa's tracker store wrote its table as this role
        assert cursor.fetchone()[0] > 0
        cursor.execute("SHOW password_encryption")
        assert cursor.fetchone() == ("scram-sha-256",)
    connection.close()


def redis_says(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command)
        return sock.recv(256)


def test_redis_refuses_commands_without_the_password(deployment: ScaledDeployment) -> None:
    port = deployment.ports["redis"]
    assert redis_says(port, b"PING\r\n").startswith(b"-NOAUTH")
    assert redis_says(port, b"AUTH wrong-password\r\n").startswith(b"-WRONGPASS")
    assert redis_says(port, f"AUTH {deployment.redis_password}\r\nPING\r\n".encode()) == b"+OK\r\n+PONG\r\n"


def status_of(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("path", "body"), [
    ("/model/parse", b'{"text": "hello"}'),
    ("/conversations/scaled-alternating/tracker", None),
    (f"/conversations/scaled-alternating/tracker?token={TOKEN}", None),
    ("/status", None),
    ("/version", None),
    ("/webhooks/rest/../../model/parse", b'{"text": "hello"}'),
])
def test_nginx_hides_rasas_http_api(deployment: ScaledDeployment, path: str, body: bytes | None) -> None:
    assert status_of(deployment.url + path, body) == 404
    assert status_of(instance_url(deployment, 0) + "/version") == 200  # it is on, only not public


@pytest.mark.parametrize(("path", "body"), [
    ("/", None),
    ("/config.json", None),
    ("/webchat/index.js", None),
    ("/socket.io/?EIO=4&transport=polling", None),
    ("/webhooks/rest/webhook", b'{"sender": "scaled-public", "message": "hello"}'),
])
def test_nginx_serves_the_public_paths(deployment: ScaledDeployment, path: str, body: bytes | None) -> None:
    assert status_of(deployment.url + path, body) == 200


def test_every_service_listens_on_loopback_only(deployment: ScaledDeployment) -> None:
    ports = {"nginx": deployment.port, **deployment.ports,
             **{f"rasa {i}": p for i, p in enumerate(deployment.instance_ports)},
             **{f"actions {i}": p for i, p in enumerate(deployment.action_ports)}}
    found = {name: listening_addresses(port) for name, port in ports.items()}
    # 127.0.0.1 only: no 0.0.0.0, no ::. Instance 1 may still be loading after the kill test.
    assert all(addresses <= {"0100007F"} for addresses in found.values()), found
    assert all(addresses for name, addresses in found.items() if name != "rasa 1"), found


def test_nginx_hides_rest_when_the_credentials_do_not_enable_it(tmp_path: Path) -> None:
    reason = ensure_servers()
    if reason:
        pytest.skip(reason)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("channels.socketio.SocketIOInput:\n  user_message_evt: user_uttered\n"
                           "  bot_message_evt: bot_uttered\n", encoding="utf-8")
    deployment = ScaledDeployment(1, state_dir=tmp_path / "state", credentials=credentials)
    deployment._prepare_dirs()
    config = deployment._nginx_config()
    nginx = Service("nginx", ["/usr/sbin/nginx", "-c", str(config), "-p", str(deployment.run_dir), "-g", "daemon off;"],
                    log_path=tmp_path / "nginx.log", probe=lambda: tcp_answers(deployment.port))
    try:
        wait_healthy([nginx.start()], timeout=30)
        assert status_of(deployment.url + "/webhooks/rest/webhook", b'{"sender": "a", "message": "hi"}') == 404
        # The other webhooks are routed (502: no Rasa instance runs in this test).
        assert status_of(deployment.url + "/webhooks/telegram/webhook", b"{}") == 502
    finally:
        nginx.stop()
