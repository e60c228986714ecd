"""Conversations live in a SQL tracker store on a SQLite file: a crash and restart of
the Rasa server in the middle of a conversation keeps its slots, form and history.

Also checks that the HTTP API (used here to read the tracker) needs its token.
"""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from launch import services as launch_services
from rasa_extensions.launcher import SQLITE_STORE
from tests.e2e.rest_client import say_text
from tests.e2e.servers import ROOT, Stack, rasa_stack

CREDENTIALS = "channels.rest.RestInput:\n"
TOKEN = "persistence-test-token"  # a throwaway token for this test's server only
SENDER = "persist-1"
# The form's answers as the web page's buttons send them: independent of NLU changes.
DURATION_NEW, NO_RACE = '/inform{"duration": "new"}', "/deny"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    # A folder that does not exist yet: the launcher must create it.
    database = tmp_path_factory.mktemp("persistence") / "state" / "conversations.db"
    # The project's own store, on a scratch file.
    config = yaml.safe_load((ROOT / "endpoints.yml").read_text())["tracker_store"]
    store = yaml.safe_dump({"tracker_store": {**config, "db": str(database)}})
    with rasa_stack(CREDENTIALS, launcher=True, endpoints_yaml=store, env={"RASA_API_TOKEN": TOKEN}) as running:
        yield running, database


def say(stack: Stack, message: str) -> str:
    return say_text(stack.rasa.url, SENDER, message)


def tracker(stack: Stack, token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
    query = f"?token={token}" if token else ""
    try:
        # REST conversations are namespaced "rest:<sender>" (rasa_extensions/input_guard.py).
        url = f"{stack.rasa.url}/conversations/rest:{SENDER}/tracker{query}"
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def user_texts(state: dict[str, Any]) -> list[str]:
    return [e.get("text") for e in state["events"] if e.get("event") == "user"]


def test_conversation_survives_a_crash_and_restart(stored: tuple[Stack, Path]) -> None:
    stack, database = stored
    assert stack.restart_rasa is not None
    assert "how long" in say(stack, "my calves are really tight after runs")
    assert "race" in say(stack, DURATION_NEW)
    assert database.exists()

    os.killpg(stack.rasa.process.pid, signal.SIGKILL)  # a crash: no chance to flush anything
    stack.rasa.process.wait(10)
    stack.rasa = stack.restart_rasa()

    status, state = tracker(stack)
    assert status == 200, state
    assert state["slots"]["body_part"] == "calf" and state["slots"]["duration"] == "new", state["slots"]
    assert (state.get("active_loop") or {}).get("name") == "recommendation_form", state.get("active_loop")
    assert user_texts(state) == ["my calves are really tight after runs", DURATION_NEW]

    # The form goes on where it stopped, and the recommendation uses the slots set before the crash.
    recommendation = say(stack, NO_RACE)
    assert "your calf" in recommendation, recommendation
    assert "because" in say(stack, "why?")
    assert len(user_texts(tracker(stack)[1])) == 4


def test_http_api_needs_the_token(stored: tuple[Stack, Path]) -> None:
    stack, _ = stored
    assert tracker(stack, token=None)[0] == 401
    assert tracker(stack, token="wrong")[0] == 401
    assert tracker(stack)[0] == 200


def test_project_endpoints_store_conversations_in_sqlite_relative_to_the_project() -> None:
    config = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    store = config["tracker_store"]
    assert store["type"] == SQLITE_STORE
    assert not Path(store["db"]).is_absolute(), "make run and plain `rasa run` both start in the project root"
    # `make run` (launch/run.py) keeps the store and replaces only the action server's URL.
    generated = yaml.safe_load(launch_services.endpoints_file(5999, base=ROOT / "endpoints.yml").read_text())
    assert generated["tracker_store"] == store
    assert generated["action_endpoint"]["url"] == "http://127.0.0.1:5999/webhook"
