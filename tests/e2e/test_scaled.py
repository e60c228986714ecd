"""Scaled mode (deploy/scaled.py): two Rasa instances sharing PostgreSQL (tracker
store) and Redis (lock store) behind nginx.

- one conversation whose turns alternate between the instances keeps its state;
- killing one instance during a load run loses no conversation state, and the load
  goes on through the other (the client resends a request that the dead instance
  had accepted, as any client behind a load balancer must).

Skipped, saying why, where PostgreSQL, Redis or nginx are missing and cannot be
installed (no root or no apt-get).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.load import PROFILES, run_load
from deploy.scaled import ScaledDeployment, missing_binaries
from tests.e2e.servers import ROOT

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
        yield running


def instance_url(deployment: ScaledDeployment, index: int) -> str:
    return f"http://127.0.0.1:{deployment.instance_ports[index]}"


def say(base_url: str, sender: str, message: str) -> str:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{base_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return "\n".join(r.get("text", "") for r in json.loads(response.read())).lower()


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
