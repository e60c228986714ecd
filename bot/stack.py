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


def endpoints_file(action_port: int, directory: Path | None = None, extra: str = "") -> Path:
    """An endpoints.yml pointing Rasa at an action server on `action_port`."""
    directory = directory or Path(tempfile.mkdtemp(prefix="runner-endpoints-"))
    path = directory / "endpoints.yml"
    path.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n{extra}', encoding="utf-8")
    return path


def rasa_server(port: int, *, model: Path, endpoints: Path, credentials: Path,
                cors: Sequence[str] = (), extra_args: Sequence[str] = (),
                log_path: Path | None = None, env: dict[str, str] | None = None) -> Service:
    argv = [str(VENV_BIN / "rasa"), "run", "--model", str(model), "--port", str(port),
            "--interface", "127.0.0.1", "--endpoints", str(endpoints), "--credentials", str(credentials)]
    if cors:
        argv += ["--cors", *cors]
    argv += list(extra_args)
    return Service("rasa server", argv, f"http://127.0.0.1:{port}/", env or {}, log_path)


def stop_all(services: Iterable[Service]) -> None:
    for service in reversed(list(services)):
        service.stop()
