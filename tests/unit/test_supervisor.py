"""launch/supervisor.py: backoff, the crash window, give-up, and restarts of real processes."""

from __future__ import annotations

import signal
import socket
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from launch.supervisor import CrashHistory, GaveUpError, RestartPolicy, Service, Supervisor, free_port, port_range
from tests.e2e.conftest import worker_port_range

POLICY = RestartPolicy(first_delay=1, factor=2, max_delay=10, max_crashes=4, window=60)


@pytest.mark.parametrize(("crashes", "delay"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)])
def test_delay_doubles_up_to_the_cap(crashes: int, delay: float) -> None:
    assert POLICY.delay(crashes) == delay


@pytest.mark.parametrize(("times", "counted", "exhausted"), [
    ([0, 1, 2], 3, False),
    ([0, 1, 2, 3], 4, True),
    ([0, 30, 61, 62], 3, False),  # the first crash left the window
    ([0, 100, 200, 300], 1, False),  # crashes far apart never add up
])
def test_crashes_count_only_inside_the_window(times: list[float], counted: int, exhausted: bool) -> None:
    history = CrashHistory(POLICY)
    assert [history.record(t) for t in times][-1] == counted
    assert history.exhausted() is exhausted


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def crashing(tmp_path: Path, name: str = "crasher") -> Service:
    """A process that exits at once with code 3, as a service that cannot start would."""
    return Service(name, [sys.executable, "-c", "raise SystemExit(3)"], log_path=tmp_path / f"{name}.log")


def wait_exit(service: Service) -> None:
    assert service.process is not None
    service.process.wait(10)


def test_a_crash_is_logged_and_restarted_after_the_backoff(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    service = crashing(tmp_path)
    with Supervisor(POLICY, clock=clock) as supervisor:
        supervisor.services.append(service.start())
        first_pid = service.pid
        wait_exit(service)
        supervisor.check()  # crash noticed: restart due in 1 s
        assert "crasher exited with code 3" in caplog.text and "restarting in 1 s" in caplog.text
        clock.now = 0.5
        supervisor.check()
        assert service.pid == first_pid  # not yet
        clock.now = 1.0
        supervisor.check()
        assert service.pid != first_pid and "restarted crasher" in caplog.text


def test_repeated_crashes_in_the_window_give_up_naming_the_service(tmp_path: Path) -> None:
    clock = FakeClock()
    service = crashing(tmp_path)
    with Supervisor(POLICY, clock=clock) as supervisor:
        supervisor.services.append(service.start())
        delays = []
        with pytest.raises(GaveUpError, match=r"crasher crashed 4 times within 60 s; giving up \(log: .*crasher.log\)"):
            for _ in range(10):
                wait_exit(service)
                supervisor.check()  # notices the crash
                delays.append(supervisor._restart_at["crasher"] - clock.now)
                clock.now = supervisor._restart_at["crasher"]
                supervisor.check()  # restarts it
        assert delays == [1, 2, 4]


def test_crashes_spread_out_never_give_up(tmp_path: Path) -> None:
    clock = FakeClock()
    service = crashing(tmp_path)
    with Supervisor(POLICY, clock=clock) as supervisor:
        supervisor.services.append(service.start())
        for _ in range(8):
            wait_exit(service)
            supervisor.check()
            clock.now += 61  # past the window: each crash is the first
            supervisor.check()
        assert service.running() or service.exit_code() == 3


def test_without_a_policy_the_first_exit_gives_up(tmp_path: Path) -> None:
    service = crashing(tmp_path)
    with Supervisor(policy=None) as supervisor:
        supervisor.services.append(service.start())
        wait_exit(service)
        with pytest.raises(GaveUpError, match="crasher exited with code 3"):
            supervisor.check()


def test_a_killed_sleeper_comes_back_under_watch_and_stop_ends_everything(tmp_path: Path) -> None:
    marker = tmp_path / "starts"
    script = f"open({str(marker)!r}, 'a').write('x'); import time; time.sleep(600)"
    sleeper = Service("sleeper", [sys.executable, "-c", script], probe=lambda: marker.exists())
    fast = RestartPolicy(first_delay=0.1, max_crashes=5, window=60)
    supervisor = Supervisor(fast)
    supervisor.launch([sleeper], timeout=20)
    supervisor.watch_in_background(poll=0.05)
    try:
        first = sleeper.pid
        sleeper.kill()
        deadline = time.monotonic() + 20
        while marker.read_text() != "xx" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sleeper.running() and sleeper.pid != first
        assert marker.read_text() == "xx"
    finally:
        supervisor.stop()
    assert not sleeper.running()


def test_giving_up_in_the_background_stops_the_other_services(tmp_path: Path) -> None:
    healthy = Service("steady", [sys.executable, "-c", "import time; time.sleep(600)"], probe=lambda: True)
    supervisor = Supervisor(RestartPolicy(first_delay=0.05, max_crashes=2, window=60))
    supervisor.launch([healthy], timeout=20)
    supervisor.services.append(crashing(tmp_path).start())
    supervisor.watch_in_background(poll=0.02)
    deadline = time.monotonic() + 20
    while supervisor.failure is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert supervisor.failure is not None and "crasher crashed 2 times" in str(supervisor.failure)
    deadline = time.monotonic() + 20
    while healthy.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not healthy.running()


def sleeper(name: str, seconds: float = 600) -> Service:
    return Service(name, [sys.executable, "-c", f"import time; time.sleep({seconds})"], probe=lambda: True)


def test_make_run_stops_everything_and_exits_1_when_a_service_keeps_crashing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """launch.run.run(), with stand-ins that start at once for the three services (Rasa dies after 1 s)."""
    from launch import run as launch_run

    started: list[Service] = []

    def fake(name: str, seconds: float = 600) -> Callable[..., Service]:
        def make(*args: object, **kwargs: object) -> Service:
            started.append(sleeper(name, seconds))
            return started[-1]
        return make

    monkeypatch.setenv("RUNNER_LOG_DIR", str(tmp_path))
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.setattr(launch_run.services, "action_server", fake("action server"))
    monkeypatch.setattr(launch_run.services, "rasa_server", fake("rasa server", 1))
    monkeypatch.setattr(launch_run.services, "web_server", fake("web page"))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = launch_run.run(RestartPolicy(first_delay=0.05, max_crashes=3, window=60))
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    err = capsys.readouterr().err
    assert code == 1
    assert "Stopping everything: rasa server crashed 3 times within 60 s; giving up" in err
    assert not any(service.running() for service in started)


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({}, False),
        ({"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": "s3cret"}, False),
        ({"TELEGRAM_TOKEN": "123:abc"}, True),
        ({"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": ""}, True),
    ],
)
def test_make_run_refuses_telegram_without_a_secret(env: dict[str, str], refused: bool) -> None:
    from launch import run as launch_run

    assert (launch_run.telegram_problem(env) is not None) is refused


def test_make_run_exits_before_starting_anything_without_a_telegram_secret(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from launch import run as launch_run

    monkeypatch.setenv("TELEGRAM_TOKEN", "123:abc")
    monkeypatch.delenv("TELEGRAM_SECRET_TOKEN", raising=False)
    monkeypatch.setattr(launch_run.services, "action_server", lambda *a, **k: pytest.fail("started a service"))
    assert launch_run.run() == 2
    assert "TELEGRAM_SECRET_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (20000, 32000)),
        ("", (20000, 32000)),
        ("21000-22000", (21000, 22000)),
        (" 21000 - 22000 ", (21000, 22000)),
    ],
)
def test_port_range_reads_low_dash_high(value: str | None, expected: tuple[int, int]) -> None:
    assert port_range(value) == expected


@pytest.mark.parametrize("value", ["21000", "22000-21999", "80-9000", "a-b", "20000-70000"])
def test_a_malformed_port_range_is_refused_with_its_name(value: str) -> None:
    with pytest.raises(ValueError, match="RUNNER_PORT_RANGE"):
        port_range(value)


def test_free_ports_stay_below_the_ephemeral_range_and_never_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNNER_PORT_RANGE", raising=False)
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(20000 <= port <= 32000 for port in ports)


def test_a_port_in_use_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        monkeypatch.setenv("RUNNER_PORT_RANGE", f"{port}-{port}")
        with pytest.raises(RuntimeError, match=f"no free loopback port found in {port}-{port}"):
            free_port()


@pytest.mark.parametrize(
    ("worker", "expected"), [(None, None), ("master", None), ("gw0", "20000-22999"), ("gw1", "23000-25999")]
)
def test_each_xdist_worker_picks_ports_from_its_own_slice(worker: str | None, expected: str | None) -> None:
    assert worker_port_range(worker) == expected
