"""The assistant a benchmark talks to: the real action server and `rasa run` on loopback.

Both start on free ports with an in-memory tracker store (nothing is written to the
project's store) and the HTTP API on a random token, so a benchmark can read trackers.
"""

from __future__ import annotations

import secrets
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

from launch import services as stack
from launch.supervisor import Supervisor, free_port

ROOT = Path(__file__).resolve().parent.parent


class Assistant:
    """The REST channel and the tracker API of a running stack."""

    def __init__(self, url: str, token: str, timeout: float = 60) -> None:
        self.url, self.token, self.timeout = url, token, timeout
        self.session = requests.Session()

    def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        response = self.session.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                                     timeout=self.timeout)
        response.raise_for_status()
        return list(response.json())

    def wait_for_model(self, timeout: float = 300) -> None:
        """`/` answers before the model is loaded; /status answers 200 only after."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.session.get(f"{self.url}/status", params={"token": self.token}, timeout=10).ok:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the model did not load within {timeout:.0f}s")
            time.sleep(1)

    def events(self, sender: str) -> list[dict[str, Any]]:
        from rasa_extensions.input_guard import namespaced

        # The input guard keeps each channel's conversations apart: REST's are "rest:<sender>".
        quoted = urllib.parse.quote(namespaced("rest", sender), safe=":")
        response = self.session.get(f"{self.url}/conversations/{quoted}/tracker",
                                    params={"token": self.token}, timeout=self.timeout)
        response.raise_for_status()
        return list(response.json().get("events") or [])


@contextmanager
def local_assistant(model: Path, start_timeout: float) -> Iterator[Assistant]:
    """A running stack for the `with` block; its servers stop when the block ends."""
    token = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        action_port, rasa_port = free_port(), free_port()
        endpoints = stack.endpoints_file(action_port, work, base=ROOT / "endpoints.yml")
        config = yaml.safe_load(endpoints.read_text(encoding="utf-8"))
        config.pop("tracker_store", None)  # in memory: nothing written to the project's store
        endpoints.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        credentials = work / "credentials.yml"
        credentials.write_text("channels.rest.RestInput:\n  max_message_chars: 4096\n", encoding="utf-8")
        services = [stack.action_server(action_port, work / "actions.log"),
                    stack.rasa_server(rasa_port, model=model, endpoints=endpoints, credentials=credentials,
                                      log_path=work / "rasa.log", api_token=token)]
        print(f"Starting the action server and Rasa ({model.name}) on loopback...", flush=True)
        supervisor = Supervisor(policy=None)  # a crash fails the run instead of hiding in it
        try:
            supervisor.launch(services, timeout=start_timeout)
            assistant = Assistant(f"http://127.0.0.1:{rasa_port}", token)
            assistant.wait_for_model(start_timeout)
            yield assistant
        finally:
            supervisor.stop()
