"""One process supervisor: start services, wait until they answer, restart the ones that crash.

A service is a long-running command plus a readiness check. The supervisor starts
each in its own process group (so a stop reaches its children too), and `check()`
restarts any that exited, after an exponential backoff. A service that crashes
`max_crashes` times within `window` seconds is not restarted again: `check()` raises
`GaveUpError`, and the caller stops everything (`make run` then exits non-zero).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Sequence

logger = logging.getLogger("launch")

Clock = Callable[[], float]


PORT_RANGE_ENV = "RUNNER_PORT_RANGE"
_DEFAULT_PORTS = (20000, 32000)
_handed_out: set[int] = set()


def port_range(value: str | None) -> tuple[int, int]:
    """The ports `free_port` picks from: `RUNNER_PORT_RANGE` ("low-high"), else 20000-32000.

    The default sits below Linux's ephemeral range (32768-60999), so a port picked now
    cannot be taken as the source port of an outgoing connection before its server binds.
    """
    if not value:
        return _DEFAULT_PORTS
    low, sep, high = value.partition("-")
    if not (sep and low.strip().isdigit() and high.strip().isdigit()) or not 1024 <= int(low) <= int(high) <= 65535:
        raise ValueError(f"{PORT_RANGE_ENV} must look like 20000-32000, not {value!r}")
    return int(low), int(high)


def free_port() -> int:
    """A TCP port free on loopback right now, never one this process handed out before."""
    low, high = port_range(os.environ.get(PORT_RANGE_ENV))
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(low, high)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free loopback port found in {low}-{high}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass(frozen=True)
class RestartPolicy:
    """Delays double from `first_delay` up to `max_delay` with each crash inside `window`
    seconds; the `max_crashes`-th crash inside the window means giving up."""

    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0
    max_crashes: int = 5
    window: float = 300.0

    def delay(self, crashes: int) -> float:
        """Seconds to wait before the restart that follows the `crashes`-th recent crash."""
        return float(min(self.max_delay, self.first_delay * self.factor ** max(crashes - 1, 0)))


DEFAULT_POLICY = RestartPolicy()


class CrashHistory:
    """When one service crashed, forgetting crashes older than the policy's window."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self.times: deque[float] = deque()

    def record(self, now: float) -> int:
        """Notes a crash at `now`; returns how many crashes fall inside the window."""
        self.times.append(now)
        while self.times and now - self.times[0] > self.policy.window:
            self.times.popleft()
        return len(self.times)

    def exhausted(self) -> bool:
        return len(self.times) >= self.policy.max_crashes


class GaveUpError(RuntimeError):
    """A service kept crashing; the message says which and where its log is."""


@dataclass
class Service:
    """One long-running command and how to tell that it is ready.

    Ready means `probe()` is true when given, else `health_url` answers 200.
    """

    name: str
    argv: Sequence[str]
    health_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    cwd: Path | None = None
    probe: Callable[[], bool] | None = None
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> Service:
        self._close_log()
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115
        self.process = subprocess.Popen(
            list(self.argv), cwd=self.cwd, env={**os.environ, **self.env}, stdin=subprocess.DEVNULL,
            stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def healthy(self) -> bool:
        if self.probe is not None:
            return self.probe()
        return bool(self.health_url) and http_ok(self.health_url)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def stop(self, timeout: float = 15) -> None:
        """TERM to the whole process group, KILL if it is still there after `timeout`."""
        if self.process is not None:
            for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._close_log()

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        if self.running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _close_log(self) -> None:
        if self._log:
            self._log.close()
            self._log = None


def wait_healthy(services: Iterable[Service], timeout: float = 300, progress: bool = False) -> None:
    """Until every service is ready; raises if one exits or the timeout passes."""
    pending = list(services)
    deadline = time.monotonic() + timeout
    last_note = 0.0
    while pending:
        for service in list(pending):
            if not service.running():
                tail = service.log_tail(20)
                raise RuntimeError(f"{service.name} exited early (log: {service.log_path})" +
                                   (f":\n{tail}" if tail else ""))
            if service.healthy():
                pending.remove(service)
                if progress:
                    print(f"  {service.name} is up", flush=True)
        if pending and time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {timeout:.0f}s: {', '.join(s.name for s in pending)}")
        if pending:
            if progress and time.monotonic() - last_note > 10:
                print(f"  waiting for {', '.join(s.name for s in pending)}...", flush=True)
                last_note = time.monotonic()
            time.sleep(0.5)


class Supervisor:
    """Starts services in stages, restarts those that crash, stops them all.

    With `policy=None` nothing is restarted: `check()` raises `GaveUpError` on the first
    exit (tests that crash a server on purpose and restart it themselves).
    """

    def __init__(self, policy: RestartPolicy | None = DEFAULT_POLICY, clock: Clock = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self.services: list[Service] = []
        self._history: dict[str, CrashHistory] = {}
        self._restart_at: dict[str, float] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self.failure: GaveUpError | None = None

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def get(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def launch(self, services: Sequence[Service], timeout: float = 300, progress: bool = False) -> None:
        """Starts `services` (one stage) and waits until each is ready."""
        with self._lock:
            for service in services:
                self.services.append(service.start())
                logger.info(f"started {service.name} (pid {service.pid})")
        wait_healthy(services, timeout, progress)

    def restart(self, name: str, wait: bool = True, timeout: float = 300) -> Service:
        """Stops `name` if it runs and starts it again now (not counted as a crash)."""
        with self._lock:
            service = self.get(name)
            service.stop()
            self._restart_at.pop(name, None)
            service.start()
            logger.info(f"started {name} again (pid {service.pid})")
        if wait:
            wait_healthy([service], timeout)
        return service

    def check(self) -> None:
        """One pass: schedule a restart for each service that exited, start those that are due."""
        with self._lock:
            if self._stopping.is_set():
                return
            now = self.clock()
            for service in self.services:
                if service.running():
                    continue
                if service.name not in self._restart_at:
                    self._restart_at[service.name] = now + self._crashed(service, now)
                elif now >= self._restart_at[service.name]:
                    del self._restart_at[service.name]
                    service.start()
                    logger.warning(f"restarted {service.name} (pid {service.pid})")

    def _crashed(self, service: Service, now: float) -> float:
        """Logs the crash; the restart delay, or raises GaveUpError."""
        where = f"log: {service.log_path}" if service.log_path else "no log"
        if self.policy is None:
            raise GaveUpError(f"{service.name} exited with code {service.exit_code()} ({where})")
        history = self._history.setdefault(service.name, CrashHistory(self.policy))
        crashes = history.record(now)
        if history.exhausted():
            raise GaveUpError(f"{service.name} crashed {crashes} times within {self.policy.window:.0f} s; giving up "
                         f"({where})")
        delay = self.policy.delay(crashes)
        logger.warning(f"{service.name} exited with code {service.exit_code()} ({crashes} crash(es) within "
                       f"{self.policy.window:.0f} s); restarting in {delay:g} s ({where})")
        return delay

    def watch(self, poll: float = 0.5) -> None:
        """`check()` every `poll` seconds until `stop()`; raises GaveUpError."""
        while not self._stopping.wait(poll):
            self.check()

    def watch_in_background(self, poll: float = 0.5) -> None:
        """`watch()` on a daemon thread; a give-up stops every service and is kept in `failure`."""

        def run() -> None:
            try:
                self.watch(poll)
            except GaveUpError as error:
                logger.error(str(error))
                self.failure = error
                self.stop()

        self._watcher = threading.Thread(target=run, name="supervisor", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stops every service, the last started first."""
        self._stopping.set()
        with self._lock:
            for service in reversed(self.services):
                service.stop()
            self._restart_at.clear()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(5)
