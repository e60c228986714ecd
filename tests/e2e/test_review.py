"""The weekly review loop end to end, through the real servers.

1. Conversations go over REST to the real Rasa and action servers, stored in the project's
   SQLite tracker store: unclear messages, red flags (two near-duplicates and a false alarm),
   a message the runner says was misread (with a name in it), an ordinary greeting.
2. `make review-list` (while the server runs) queues them with the right reasons, grouped.
3. `make review` is driven in a pseudo-terminal with keystrokes; it is quit half-way and resumed.
4. The decisions file is valid Rasa data (`rasa data validate` with the project's data) and
   holds exactly the decisions made; the triage test sets hold the confirmed sign and the false alarm.
5. `make report` renders in headless chromium with every chart drawn and nothing fetched.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from launch import services as launch_services
from rasa_extensions.launcher import SQLITE_STORE
from tests.e2e import rest_client
from tests.e2e.servers import ARTIFACTS, ROOT, Server, free_port, rasa_env, start, start_action_server, wait_until_up

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SPEC = Path(__file__).with_name("report.spec.mjs")
OUT = ROOT / "build" / "e2e-review"
UNCLEAR = {"emoji": "🙃🙃🙃", "gibberish": "xqzv blorf gnarp"}
CHEST = ("sharp chest pains when I run", "Sharp chest pain when I run!")
# a referral the maintainer judges ordinary post-race puffiness (the triage errs on the safe side)
SWOLLEN_KNEE = "my knee swelled up a bit after the trail race"
MISREAD = "I'm Sarah, can a massage help me sleep before my marathon"
MISREAD_SHOWN = "can a massage help me sleep before my marathon"  # the name is highlighted apart
CONVERSATIONS = {
    "review-unclear-1": [UNCLEAR["emoji"]],
    "review-unclear-2": [UNCLEAR["gibberish"]],
    "review-chest-1": [CHEST[0]],
    "review-chest-2": [CHEST[1]],
    "review-knee": [SWOLLEN_KNEE],
    "review-misread": [MISREAD, "that's not what I asked"],
    "review-hello": ["hello"],
    "review-advice": ["my calves are always tight after long runs"],  # a recommendation, for the report
}
KEYS_TIMEOUT = 120
# Loading the model takes 30 s on an idle 2-core machine and several minutes on a busy one.
STARTUP_TIMEOUT = float(os.environ.get("E2E_STARTUP_TIMEOUT", 600))


@dataclass
class Review:
    rasa: Server
    folder: Path

    @property
    def args(self) -> str:
        folder = self.folder
        return (f"--endpoints {folder / 'endpoints.yml'} --state {folder / 'state.json'} "
                f"--reviewed {folder / 'reviewed.yml'} --triage-dir {folder / 'triage'}")

    @property
    def list_args(self) -> str:
        return f"--endpoints {self.folder / 'endpoints.yml'} --state {self.folder / 'state.json'}"


def send(rasa: Server, sender: str, message: str) -> list[dict[str, Any]]:
    return rest_client.send(rasa.url, sender, message)


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """The action server and Rasa (through the launcher, as `make run`) on a scratch SQLite store."""
    folder = tmp_path_factory.mktemp("review")
    store = yaml.safe_dump({"tracker_store": {"type": SQLITE_STORE, "db": str(folder / "conversations.db")}})
    action_port, rasa_port = free_port(), free_port()
    (folder / "endpoints.yml").write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n{store}")
    (folder / "credentials.yml").write_text("channels.rest.RestInput:\n")
    shutil.copy(ROOT / "data" / "nlu" / "reviewed.yml", folder / "reviewed.yml")
    actions = start_action_server(ROOT, action_port)
    cmd = [*launch_services.rasa_command(), "run", "-m", str(launch_services.MODEL_DIR), "-i", "127.0.0.1",
           "--port", str(rasa_port), "--credentials", str(folder / "credentials.yml"),
           "--endpoints", str(folder / "endpoints.yml")]
    rasa = start("rasa-review", cmd, ROOT, rasa_env(ROOT), f"http://127.0.0.1:{rasa_port}")
    try:
        wait_until_up(rasa, "/", timeout=STARTUP_TIMEOUT)
        for sender, messages in CONVERSATIONS.items():
            for message in messages:
                assert send(rasa, sender, message), f"no reply to {message!r}"
        yield Review(rasa, folder)
    finally:
        rasa.stop()
        actions.stop()


def make(target: str, args: str, timeout: float = 180) -> str:
    result = subprocess.run(["make", "-s", target, f"REVIEW_ARGS={args}"], cwd=ROOT, capture_output=True,
                            text=True, timeout=timeout, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def queue(review: Review) -> list[dict[str, Any]]:
    return [json.loads(line) for line in make("review-list", review.list_args).splitlines() if line.strip()]


def by_text(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["text"]: r for r in records}


def test_review_list_queues_each_message_with_its_reasons_grouped(review: Review) -> None:
    records = queue(review)
    listed = by_text(records)
    # Red flags first: the two near-duplicates are one group, seen by two runners.
    assert records[0]["reason"] == "red_flag" and {records[0]["text"], records[1]["text"]} == set(CHEST)
    assert records[0]["group"] == records[1]["group"] == 1
    assert listed[SWOLLEN_KNEE]["reason"] == "red_flag" and listed[SWOLLEN_KNEE]["group"] == 2
    assert listed[MISREAD]["reason"] == "corrected" and listed[MISREAD]["group"] == 3
    assert listed[UNCLEAR["emoji"]]["reason"] == "fallback" and listed[UNCLEAR["emoji"]]["intent"] == "nlu_fallback"
    assert set(listed[UNCLEAR["gibberish"]]["reasons"]) & {"fallback", "low_confidence", "disagreement"}
    assert "hello" not in listed
    for record in records:
        assert record["times_seen"] == 1 and record["first_seen"].endswith("+00:00")
        assert isinstance(record["confidence"], float) and record["intent"]
    assert "review-" not in json.dumps(records)  # sender ids never leave the store


def spawn_review(review: Review) -> pexpect.spawn:
    env = dict(os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", PYTHONWARNINGS="ignore")
    ARTIFACTS.mkdir(exist_ok=True)
    child = pexpect.spawn("make", ["-s", "review", f"REVIEW_ARGS={review.args}"], cwd=str(ROOT), env=env,
                          encoding="utf-8", dimensions=(50, 140), timeout=KEYS_TIMEOUT)
    child.logfile_read = (ARTIFACTS / "review-terminal.log").open("a")
    return child


def decide(child: pexpect.spawn, shown: str, key: str) -> None:
    """Waits for the group showing `shown`, then presses `key` at its decision prompt."""
    child.expect_exact(shown)
    child.expect_exact("Decision?")
    child.send(key)


def pick_intent(child: pexpect.spawn, intent: str) -> None:
    child.expect(rf"(\w)\) {intent}\b")
    child.send(child.match.group(1))
    child.send("\r")


def test_review_in_a_terminal_quit_and_resume(review: Review) -> None:
    after_list = by_text(queue(review))
    # First run: confirm the chest pains, mark the swollen knee a false alarm, then quit.
    child = spawn_review(review)
    decide(child, "[1/", "c")
    child.expect_exact("saved 2 example(s)")
    decide(child, SWOLLEN_KNEE, "f")
    pick_intent(child, "report_pain")
    child.expect_exact("saved 1 example(s) as report_pain")
    decide(child, MISREAD_SHOWN, "q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    remaining = queue(review)
    left = by_text(remaining)
    assert set(left) == set(after_list) - {*CHEST, SWOLLEN_KNEE}  # decided ones never come back
    assert remaining[0]["text"] == MISREAD
    to_discard = next(r["text"] for r in remaining if r["group"] == 2)

    # Second run resumes at the misread message: another intent, the name redacted; then discard one.
    child = spawn_review(review)
    decide(child, MISREAD_SHOWN, "i")
    pick_intent(child, "ask_sleep")
    child.expect_exact("Save which version?")
    child.send("r")
    child.expect_exact("saved 1 example(s) as ask_sleep")
    decide(child, to_discard, "d")
    child.expect_exact("discarded")
    child.expect_exact("Decision?")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert set(by_text(queue(review))) == set(left) - {MISREAD, to_discard}

    # The decisions, exactly: as Rasa reads them...
    reviewed = review.folder / "reviewed.yml"
    data = load_data(str(reviewed))
    assert sorted((m.get("intent"), m.get("text")) for m in data.intent_examples) == sorted([
        ("red_flag", CHEST[0]), ("red_flag", CHEST[1]), ("report_pain", SWOLLEN_KNEE),
        ("ask_sleep", MISREAD.replace("Sarah", "Sam")),
    ])
    # ...each with its comment, and no sender id or redacted name anywhere.
    text = reviewed.read_text()
    assert text.count("# reviewed ") == 4 and "Sarah" not in text and "review-" not in text
    triage = review.folder / "triage"
    signs = yaml.safe_load((triage / "warning_signs.yml").read_text())
    assert sorted(item["text"] for item in signs) == sorted(CHEST) and all(len(item) == 1 for item in signs)
    assert yaml.safe_load((triage / "ordinary.yml").read_text()) == [{"text": SWOLLEN_KNEE}]
    assert "Sarah" not in (review.folder / "state.json").read_text()


def test_the_decisions_are_valid_rasa_data(review: Review) -> None:
    reviewed = review.folder / "reviewed.yml"
    if "intent:" not in reviewed.read_text():
        pytest.skip("needs the decisions of test_review_in_a_terminal_quit_and_resume")
    data = review.folder / "data"
    shutil.copytree(ROOT / "data", data, dirs_exist_ok=True)
    shutil.copy(reviewed, data / "nlu" / "reviewed.yml")
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--fail-on-warnings", "--quiet",
         "--data", str(data), "--domain", str(ROOT / "domain.yml"), "--config", str(ROOT / "config.yml")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, **launch_services.QUIET_ENV})
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not found (apt-get install chromium)")
def test_the_report_renders_every_chart_offline(review: Review) -> None:
    bench = review.folder / "bench"
    bench.mkdir(exist_ok=True)
    out = OUT / "report" / "index.html"
    make("report", f"{review.list_args} --out {out} --bench {bench}")
    assert [p.name for p in out.parent.iterdir()] == ["index.html"]
    screenshot = OUT / "report.png"
    node = subprocess.run(["node", str(SPEC), json.dumps({"file": str(out), "screenshot": str(screenshot)})],
                          capture_output=True, text=True, timeout=180, start_new_session=True)
    assert node.returncode == 0, node.stderr[-3000:]
    seen = json.loads(node.stdout.strip().splitlines()[-1])
    assert seen["external"] == [] and seen["consoleErrors"] == []
    ids = [c["id"] for c in seen["charts"]]
    assert ids == ["chart-" + k for k in ("conversations", "intents", "rates", "referrals", "recommendations",
                                          "turns", "unknown", "queue", "bench")]
    assert all(c["width"] > 200 and c["height"] > 100 and c["reading"] for c in seen["charts"])
    readings = {c["id"]: c["reading"] for c in seen["charts"]}
    assert readings["chart-conversations"].startswith(f"{len(CONVERSATIONS)} conversations")
    assert "Chest pain or struggling to breathe" in readings["chart-referrals"]
    assert screenshot.stat().st_size > 20_000
    print(shlex.join(["screenshot:", str(screenshot)]))
