"""Unit tests for the Rasa-side extensions: launcher policy, action-failure apology,
and the cached action answer schema (no servers, no model). The channels' checks are in test_channels.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import action_schema, resilience
from rasa_extensions.launcher import SQLITE_STORE, LaunchError, parse_rasa_arguments, prepare, sqlite_tracker_folder

# --- launcher -------------------------------------------------------------------------


TOKEN = {"RASA_API_TOKEN": "env-token"}
REFUSED = "refused"
# (extra arguments after `run`, environment, what Rasa then runs with: API on?, or REFUSED)
API_POLICY = [
    ([], {}, False),
    ([], TOKEN, True),
    (["--enable-api"], {}, REFUSED),
    (["--enable-api"], TOKEN, True),
    (["--enable"], {}, REFUSED),  # argparse abbreviation of --enable-api
    (["--enable"], TOKEN, True),
    (["--enable-a"], {}, REFUSED),
    (["-t", "x"], {}, REFUSED),  # short form of --auth-token
    (["-t", "x"], TOKEN, REFUSED),
    (["-tx"], {}, REFUSED),
    (["--auth-token", "x"], {}, REFUSED),
    (["--auth-token", "x"], TOKEN, REFUSED),
    (["--auth-token=x"], TOKEN, REFUSED),
    (["--auth", "x"], {}, REFUSED),
    (["--auth=x"], TOKEN, REFUSED),
    (["--jwt-secret", "x"], {}, REFUSED),
    (["--jwt-secret", "x"], TOKEN, REFUSED),
    (["--jwt-s=x"], {}, REFUSED),
    (["--jwt-s=x"], TOKEN, REFUSED),
    (["--jwt-private-key", "k"], {}, REFUSED),
    (["--jwt-private-key", "k"], TOKEN, REFUSED),
    (["--jwt-p=k"], {}, REFUSED),
    (["--enable", "-t", "x"], TOKEN, REFUSED),
]


@pytest.mark.parametrize(("extra", "env", "expected"), API_POLICY,
                         ids=[" ".join(case[0]) + (" +env" if case[1] else "") or "none" for case in API_POLICY])
def test_api_policy_follows_rasas_own_reading_of_the_command_line(
        extra: list[str], env: dict[str, str], expected: bool | str, tmp_path: Path) -> None:
    argv = ["run", "--endpoints", str(tmp_path / "endpoints.yml"), *extra]
    environment = dict(env)
    if expected == REFUSED:
        with pytest.raises(LaunchError):
            prepare(argv, environment)
        return
    final = parse_rasa_arguments(prepare(argv, environment))
    assert final is not None, "the launcher produced a command line Rasa refuses"
    assert final.enable_api is expected
    assert final.auth_token == (env["RASA_API_TOKEN"] if expected else None)
    assert final.jwt_secret is None and final.jwt_private_key is None


def test_a_jwt_secret_from_the_environment_turns_the_api_on(tmp_path: Path) -> None:
    argv = prepare(["run", "--endpoints", str(tmp_path / "e.yml")], {"RASA_JWT_SECRET": "s"})
    final = parse_rasa_arguments(argv)
    assert final is not None and final.enable_api and final.jwt_secret == "s" and final.jwt_method == "HS256"


@pytest.mark.parametrize("extra", [["--enable-api"], ["--enable"], ["-t", "x"], ["--jwt-s=x"]])
def test_the_shell_never_gets_the_api(extra: list[str], tmp_path: Path) -> None:
    with pytest.raises(LaunchError):
        prepare(["shell", "--endpoints", str(tmp_path / "e.yml"), *extra], dict(TOKEN))
    assert "--enable-api" not in prepare(["shell", "--endpoints", str(tmp_path / "e.yml")], dict(TOKEN))


def test_a_command_line_rasa_refuses_is_passed_on_unchanged() -> None:
    assert parse_rasa_arguments(["run", "--no-such-option"]) is None
    assert prepare(["run", "--no-such-option"], dict(TOKEN)) == ["run", "--no-such-option"]


def test_prepare_creates_the_sqlite_folder_and_limits_bodies(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path}/a/b/c.db\n")
    env: dict[str, str] = {}
    assert prepare(["run", "--endpoints", str(endpoints)], env) == ["run", "--endpoints", str(endpoints)]
    assert (tmp_path / "a" / "b").is_dir()
    assert env["SANIC_REQUEST_MAX_SIZE"] == "10000000" and env["SANIC_FALLBACK_ERROR_FORMAT"] == "json"


def test_the_server_runs_tensorflow_on_one_thread_unless_the_operator_says_otherwise(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("")
    env: dict[str, str] = {"TF_INTER_OP_PARALLELISM_THREADS": "4"}
    prepare(["run", "--endpoints", str(endpoints)], env)
    assert env["TF_INTRA_OP_PARALLELISM_THREADS"] == "1" and env["TF_INTER_OP_PARALLELISM_THREADS"] == "4"


def test_prepare_leaves_other_commands_alone() -> None:
    env: dict[str, str] = {}
    assert prepare(["train", "--enable-api"], env) == ["train", "--enable-api"] and env == {}


def test_sqlite_folder_only_for_sqlite_stores(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n  db: rasa\n")
    assert sqlite_tracker_folder(endpoints) is None
    endpoints.write_text(f"tracker_store:\n  type: {SQLITE_STORE}\n  db: {tmp_path}/s/c.db\n")
    assert sqlite_tracker_folder(endpoints) == tmp_path / "s"
    assert sqlite_tracker_folder(tmp_path / "missing.yml") is None


# --- resilience ---------------------------------------------------------------------------


def test_action_timeout_comes_from_the_endpoint() -> None:
    assert resilience.action_timeout(EndpointConfig("http://x", timeout=3)) == 3.0
    assert resilience.action_timeout(EndpointConfig("http://x")) == resilience.DEFAULT_TIMEOUT_SECONDS
    assert resilience.action_timeout(EndpointConfig("http://x", timeout="soon")) == resilience.DEFAULT_TIMEOUT_SECONDS
    assert resilience.action_timeout(None) == resilience.DEFAULT_TIMEOUT_SECONDS


class FakeNlg:
    async def generate(self, name: str, tracker: Any, channel: str, **kwargs: Any) -> dict[str, Any]:
        return {"text": f"<{name}>"}


def run_action(failure: BaseException | None, events: list[Any], delay: float = 0.0) -> list[Any]:
    async def original(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        await asyncio.sleep(delay)
        if failure:
            raise failure
        return ["ran"]

    wrapped = resilience.resilient(original)
    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:9/webhook", timeout=0.2))
    channel = SimpleNamespace(name=lambda: "rest")
    return asyncio.run(wrapped(action, channel, FakeNlg(), SimpleNamespace(events=events), None))


def test_a_failed_action_becomes_one_apology_per_turn() -> None:
    (apology,) = run_action(RasaException("down"), [UserUttered("hi")])
    assert isinstance(apology, BotUttered) and apology.text == "<utter_action_unavailable>"
    assert run_action(RasaException("down"), [UserUttered("hi"), apology]) == []
    assert run_action(None, [UserUttered("hi")]) == ["ran"]


def test_a_slow_action_is_cut_off_at_the_timeout() -> None:
    (apology,) = run_action(None, [UserUttered("hi")], delay=5)
    assert apology.text == "<utter_action_unavailable>"


def test_install_is_idempotent() -> None:
    resilience.install()
    patched = RemoteAction.run
    resilience.install()
    assert RemoteAction.run is patched and resilience.installed()


# --- action answer schema ----------------------------------------------------------------

VALID_ANSWERS = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "body_part", "value": "calf"}], "responses": [{"text": "hi"}]},
    {},
]
INVALID_ANSWERS = [
    {"events": [{"name": "body_part"}]},  # an event without its type
    {"events": "not a list"},
    {"responses": {"text": "not a list"}},
]


@pytest.mark.parametrize("answer", VALID_ANSWERS)
def test_the_cached_schema_accepts_what_rasa_accepts(answer: dict[str, Any]) -> None:
    action = RemoteAction("action_x", None)
    assert action_schema.ORIGINAL(action, answer) is True
    assert action_schema.validate_action_result(action, answer) is True


@pytest.mark.parametrize("answer", INVALID_ANSWERS)
def test_the_cached_schema_rejects_what_rasa_rejects_with_its_message(answer: dict[str, Any]) -> None:
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as rasa_error:
        action_schema.ORIGINAL(action, answer)
    with pytest.raises(ValidationError) as our_error:
        action_schema.validate_action_result(action, answer)
    assert our_error.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in our_error.value.message


def test_the_schema_patch_is_installed_by_the_launcher_and_idempotent() -> None:
    action_schema.install()
    action_schema.install()
    assert action_schema.installed()
    assert RemoteAction._validate_action_result is action_schema.validate_action_result

