"""The action server and the Rasa server for end-to-end tests: a thin layer over launch/.

Each server runs under `launch.supervisor` in its own process group on a free loopback
port, logs to ``tests/e2e/artifacts/<name>.log`` and is stopped (TERM, then KILL) on
exit. Nothing is restarted behind a test's back: tests that crash a server restart it
themselves (`stack.restart_rasa()`); tests/e2e/test_faults.py checks `make run`'s
automatic restarts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from launch import services
from launch.supervisor import Service, Supervisor, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

__all__ = ["ARTIFACTS", "ROOT", "Server", "Stack", "children", "free_port", "listening_addresses", "project_dir",
           "rasa_env", "rasa_stack", "start", "start_action_server", "wait_until_up"]


@dataclass
class Server(Service):
    """A started server process and its base URL."""

    url: str = ""

    @property
    def log(self) -> Path:
        assert self.log_path is not None
        return self.log_path


def project_dir() -> Path:
    """The Rasa project under test: $E2E_PROJECT or this repository."""
    return Path(os.environ.get("E2E_PROJECT", ROOT)).resolve()


def rasa_env(project: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa commands: quiet, project importable."""
    paths = [str(project), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**services.QUIET_ENV, "PYTHONPATH": os.pathsep.join(paths), **(extra or {})}


def as_server(service: Service, url: str) -> Server:
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{service.name}.log"
    log.unlink(missing_ok=True)
    return Server(service.name, service.argv, service.health_url, service.env, log, service.cwd, url=url)


def start(name: str, cmd: Sequence[str], cwd: Path, env: dict[str, str], url: str) -> Server:
    """Starts ``cmd`` in a new process group, logging to the artifacts dir."""
    server = as_server(Service(name, cmd, env=env, cwd=cwd), url)
    server.start()
    return server


def wait_until_up(server: Server, path: str = "/", timeout: float = 180.0) -> None:
    """Until ``server.url + path`` answers 200; stops it and fails if it died or timed out."""
    server.health_url = server.url + path
    try:
        wait_healthy([server], timeout)
    except (RuntimeError, TimeoutError) as error:
        server.stop()
        raise RuntimeError(f"{error}\n{server.log_tail()}") from error


def start_action_server(project: Path, port: int, env: dict[str, str] | None = None,
                        wait: bool = True) -> Server:
    """``python -m rasa_sdk --actions actions`` on 127.0.0.1:port."""
    service = services.action_server(port, name="action_server", env=rasa_env(project, env))
    service.cwd = project
    server = as_server(service, f"http://127.0.0.1:{port}")
    server.start()
    if wait:
        wait_until_up(server, "/health")
    return server


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add(address)
    return addresses


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
    With ``launcher``, Rasa runs through ``python -m rasa_extensions`` (our Rasa
    extensions, as ``make run`` starts it).
    """
    project = project_dir()
    if not list((project / services.MODEL_DIR_NAME).glob("*.tar.gz")):
        raise RuntimeError(f"no trained model in {project / services.MODEL_DIR_NAME}")
    work = ARTIFACTS / f"stack-{free_port()}"
    work.mkdir(parents=True)
    credentials, endpoints = work / "credentials.yml", work / "endpoints.yml"
    credentials.write_text(credentials_yaml)
    action_port, rasa_port = free_port(), free_port()
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
                         f"{action_endpoint_yaml}{endpoints_yaml}")
    actions = as_server(services.action_server(action_port, name="action_server", env=rasa_env(project, actions_env)),
                        f"http://127.0.0.1:{action_port}")
    rasa = as_server(services.rasa_server(rasa_port, model=project / services.MODEL_DIR_NAME, endpoints=endpoints,
                                          credentials=credentials, cors=[cors] if cors else (),
                                          env=rasa_env(project, env), name="rasa", launcher=launcher),
                     f"http://127.0.0.1:{rasa_port}")
    actions.cwd = rasa.cwd = project
    with Supervisor(policy=None) as supervisor:
        try:
            # Rasa does not call the action server while it starts: start both at once.
            supervisor.launch([actions, rasa], timeout=services.START_TIMEOUT)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}\n{actions.log_tail()}\n{rasa.log_tail()}") from error

        def restart_actions() -> Server:
            supervisor.restart(actions.name, timeout=services.START_TIMEOUT)
            return actions

        def restart_rasa() -> Server:
            supervisor.restart(rasa.name, timeout=services.START_TIMEOUT)
            return rasa

        yield Stack(project, actions, rasa, restart_rasa, restart_actions)
