"""Start and stop the action server and the Rasa server for end-to-end tests.

Each server runs in its own process group on a free loopback port, logs to
``tests/e2e/artifacts/<name>.log`` and is stopped (TERM, then KILL) on exit.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot import stack as bot_stack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VENV_BIN = Path(sys.executable).parent


free_port = bot_stack.free_port


def project_dir() -> Path:
    """The Rasa project under test: $E2E_PROJECT or this repository."""
    return Path(os.environ.get("E2E_PROJECT", ROOT)).resolve()


def rasa_env(project: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa commands: no telemetry, project importable."""
    env = dict(os.environ)
    paths = [str(project), str(ROOT), env.get("PYTHONPATH", "")]
    env.update(RASA_TELEMETRY_ENABLED="false", PYTHONPATH=os.pathsep.join(paths))
    env.update(extra or {})
    return env


@dataclass
class Server:
    """A started server process."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """Stops the whole process group: TERM, then KILL."""
        if self.process.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout)
                return
            except subprocess.TimeoutExpired:
                continue


def start(name: str, cmd: Sequence[str], cwd: Path, env: dict[str, str], url: str) -> Server:
    """Starts ``cmd`` in a new process group, logging to the artifacts dir."""
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, process, url, log)


def wait_until_up(server: Server, path: str = "/", timeout: float = 180.0) -> None:
    """Polls ``server.url + path`` until it answers 200; fails if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"{server.name} not up after {timeout}s:\n{server.log_tail()}")


def start_action_server(project: Path, port: int, env: dict[str, str] | None = None,
                        wait: bool = True) -> Server:
    """``python -m rasa_sdk --actions actions`` on 127.0.0.1:port."""
    cmd = bot_stack.action_server(port).argv
    server = start("action_server", cmd, project, rasa_env(project, env), f"http://127.0.0.1:{port}")
    if wait:
        wait_until_up(server, "/health")
    return server


def start_rasa(
    project: Path,
    credentials: Path,
    endpoints: Path,
    port: int,
    cors: str | None = None,
    env: dict[str, str] | None = None,
    name: str = "rasa",
    launcher: bool = True,
) -> Server:
    """``rasa run -m models`` on 127.0.0.1:port with the given files.

    With ``launcher``, through ``python -m runner_rasa`` (our Rasa extensions, as
    ``make run`` starts it)."""
    rasa = bot_stack.rasa_command() if launcher else [str(VENV_BIN / "rasa")]
    cmd = [*rasa, "run", "-m", "models", "-i", "127.0.0.1"]
    cmd += ["--port", str(port), "--credentials", str(credentials)]
    cmd += ["--endpoints", str(endpoints)]
    if cors:
        cmd += ["--cors", cors]
    server = start(name, cmd, project, rasa_env(project, env), f"http://127.0.0.1:{port}")
    wait_until_up(server, "/")
    return server


@dataclass
class Stack:
    """Running action server and Rasa server."""

    project: Path
    action_server: Server
    rasa: Server
    restart_rasa: Callable[[], Server] | None = None
    restart_actions: Callable[[], Server] | None = None


@contextmanager
def rasa_stack(
    credentials_yaml: str,
    cors: str | None = None,
    env: dict[str, str] | None = None,
    *,
    action_endpoint_yaml: str = "",
    endpoints_yaml: str = "",
    actions_env: dict[str, str] | None = None,
    launcher: bool = True,
) -> Iterator[Stack]:
    """Action server + Rasa server with ``credentials_yaml``; stops both.

    ``action_endpoint_yaml`` adds indented keys under ``action_endpoint`` (e.g.
    ``"  timeout: 3\n"``), ``endpoints_yaml`` adds top-level sections (tracker store,
    lock store). ``stack.restart_rasa()`` / ``stack.restart_actions()`` stop the
    server (if still running) and start it again on the same port and files.
    """
    project = project_dir()
    if not list((project / "models").glob("*.tar.gz")):
        raise RuntimeError(f"no trained model in {project / 'models'}")
    with tempfile.TemporaryDirectory(prefix="e2e-rasa-") as tmp:
        credentials, endpoints = Path(tmp, "credentials.yml"), Path(tmp, "endpoints.yml")
        credentials.write_text(credentials_yaml)
        action_port, rasa_port = free_port(), free_port()
        endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
                             f"{action_endpoint_yaml}{endpoints_yaml}")
        running: dict[str, Server] = {}

        def restart_actions() -> Server:
            if "actions" in running:
                running["actions"].stop()
            running["actions"] = start_action_server(project, action_port, actions_env)
            return running["actions"]

        def restart_rasa() -> Server:
            if "rasa" in running:
                running["rasa"].stop()
            running["rasa"] = start_rasa(project, credentials, endpoints, rasa_port, cors, env, launcher=launcher)
            return running["rasa"]

        try:
            actions = restart_actions()
            rasa = restart_rasa()
            yield Stack(project, actions, rasa, restart_rasa, restart_actions)
        finally:
            for server in reversed(list(running.values())):
                server.stop()
