"""Start, health-check and stop the assistant's processes (used by `make run` and tests).

Processes are started as subprocesses of the current Python (the project's venv);
nothing here imports Rasa.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Sequence

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONPATH": str(PROJECT_DIR),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """One long-running process and the URL that says it is ready."""

    name: str
    argv: Sequence[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> Service:
        env = {**os.environ, **QUIET_ENV, **self.env}
        self._log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115
        self.process = subprocess.Popen(
            list(self.argv), cwd=PROJECT_DIR, env=env, stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if self.running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        if self._log:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        if self.running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def wait_healthy(services: Iterable[Service], timeout: float = 240, progress: bool = False) -> None:
    pending = list(services)
    deadline = time.monotonic() + timeout
    while pending:
        for service in list(pending):
            if not service.running():
                raise RuntimeError(f"{service.name} exited early (see {service.log_path or 'its output'})")
            if service.healthy():
                pending.remove(service)
                if progress:
                    print(f"  {service.name} is up")
        if pending and time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise TimeoutError(f"not ready after {timeout:.0f}s: {names}")
        if pending:
            if progress:
                print(f"  waiting for {', '.join(s.name for s in pending)}...", flush=True)
            time.sleep(2 if progress else 0.5)


def action_server(port: int, log_path: Path | None = None, env: dict[str, str] | None = None) -> Service:
    argv = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    return Service("action server", argv, f"http://127.0.0.1:{port}/health", env or {}, log_path)


def endpoints_file(action_port: int, directory: Path | None = None, extra: str = "",
                   base: Path | None = None) -> Path:
    """An endpoints.yml pointing Rasa at an action server on `action_port`.

    With `base`, every other setting of that file (tracker store, action timeout...)
    is kept and only the action server's URL is replaced.
    """
    directory = directory or Path(tempfile.mkdtemp(prefix="runner-endpoints-"))
    path = directory / "endpoints.yml"
    config = (yaml.safe_load(base.read_text(encoding="utf-8")) or {}) if base else {}
    action = dict(config.get("action_endpoint") or {})
    action["url"] = f"http://127.0.0.1:{action_port}/webhook"
    config["action_endpoint"] = action
    path.write_text(yaml.safe_dump(config, sort_keys=False) + extra, encoding="utf-8")
    return path


def rasa_command(*args: str) -> list[str]:
    """`rasa <args>` through our launcher, which installs the Rasa extensions in
    runner_rasa/ (apology on action failures, API and body-size policy)."""
    return [sys.executable, "-m", "runner_rasa", *args]


def rasa_server(port: int, *, model: Path, endpoints: Path, credentials: Path,
                cors: Sequence[str] = (), extra_args: Sequence[str] = (),
                log_path: Path | None = None, env: dict[str, str] | None = None,
                api_token: str | None = None, jwt_secret: str | None = None) -> Service:
    """`rasa run` on 127.0.0.1:port. The HTTP API is on only with `api_token` or
    `jwt_secret` (or RASA_API_TOKEN / RASA_JWT_SECRET already in the environment);
    secrets go to the child through its environment, never its command line."""
    argv = rasa_command("run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1",
                        "--endpoints", str(endpoints), "--credentials", str(credentials))
    if cors:
        argv += ["--cors", *cors]
    argv += list(extra_args)
    secrets = {name: value for name, value in (("RASA_API_TOKEN", api_token), ("RASA_JWT_SECRET", jwt_secret))
               if value}
    return Service("rasa server", argv, f"http://127.0.0.1:{port}/", {**(env or {}), **secrets}, log_path)


def web_server(port: int, rasa_url: str, log_path: Path | None = None) -> Service:
    """web/serve.py: the chat page and the widget, pointing at `rasa_url`."""
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    env = {"WEB_HOST": host, "WEB_PORT": str(port), "RASA_URL": rasa_url}
    argv = [sys.executable, str(PROJECT_DIR / "web" / "serve.py")]
    return Service("web page", argv, f"http://127.0.0.1:{port}/healthz", env, log_path)


def stop_all(services: Iterable[Service]) -> None:
    for service in reversed(list(services)):
        service.stop()
