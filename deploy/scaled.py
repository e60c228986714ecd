"""Scaled mode: Rasa's own scaling design, on loopback, from Debian's packages.

    python -m deploy.scaled [--instances 2] [--port 5005] [--state-dir build/scaled]
    (or deploy/run-scaled.sh, or `make run-scaled`)

Starts PostgreSQL (tracker store: every conversation's slots and history),
Redis (lock store: one message of a conversation at a time, whichever instance
takes it), the action server, N `rasa run` processes and nginx in front of them,
prints the URL, and stops everything on Ctrl-C or SIGTERM. Configuration files
are generated from the templates beside this file with free ports; data (the
PostgreSQL cluster) and logs stay under the state folder, so conversations
survive restarts. As root, PostgreSQL runs as the `postgres` user and nginx's
workers as `www-data` (neither accepts root).

The same is usable from Python (tests, bench/scaling.py):

    with ScaledDeployment(instances=2) as deployment:
        deployment.url, deployment.instances[0].kill(), ...
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Callable, Sequence

from bot import stack

HERE = Path(__file__).resolve().parent
DEFAULT_STATE = stack.PROJECT_DIR / "build" / "scaled"
MODEL = stack.PROJECT_DIR / "models" / "runner.tar.gz"
CREDENTIALS = stack.PROJECT_DIR / "credentials.yml"
NGINX = "/usr/sbin/nginx"
REDIS = "/usr/bin/redis-server"
DB_USER = "runner"


def postgres_bin() -> Path | None:
    """Folder of Debian's newest PostgreSQL server binaries."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def missing_binaries() -> list[str]:
    """Debian packages whose servers are not installed."""
    missing = [] if postgres_bin() else ["postgresql"]
    missing += [package for package, path in (("redis-server", REDIS), ("nginx", NGINX)) if not Path(path).exists()]
    return missing


def running_as_root() -> bool:
    return os.geteuid() == 0


def as_user(user: str, argv: Sequence[str]) -> list[str]:
    """argv run as `user` when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", user, "--", *argv] if running_as_root() else list(argv)


def give_to(user: str, *paths: Path) -> None:
    if running_as_root():
        entry = pwd.getpwnam(user)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)


def tcp_answers(port: int, send: bytes = b"", expect: bytes = b"") -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            if send:
                sock.sendall(send)
                return sock.recv(64).startswith(expect)
            return True
    except OSError:
        return False


@dataclass
class ProbedService(stack.Service):
    """A service whose readiness is not an HTTP 200 (PostgreSQL, Redis, nginx)."""

    probe: Callable[[], bool] = field(default=lambda: False)

    def healthy(self) -> bool:
        return self.probe()


@dataclass
class Ports:
    front: int
    actions_proxy: int
    postgres: int = field(default_factory=stack.free_port)
    redis: int = field(default_factory=stack.free_port)


def render(template: str, **values: object) -> str:
    return string.Template((HERE / template).read_text(encoding="utf-8")).substitute(values)


class ScaledDeployment:
    """PostgreSQL + Redis + action server(s) + N Rasa instances + nginx, started and stopped together."""

    def __init__(self, instances: int = 2, *, port: int | None = None, state_dir: Path = DEFAULT_STATE,
                 action_servers: int = 1, model: Path = MODEL, credentials: Path = CREDENTIALS,
                 rasa_env: dict[str, str] | None = None) -> None:
        missing = missing_binaries()
        if missing:
            raise RuntimeError(f"not installed: {', '.join(missing)} (run scripts/install-system-deps.sh as root)")
        self.state_dir = state_dir.resolve()
        self.ports = Ports(front=port or stack.free_port(), actions_proxy=stack.free_port())
        self.instance_ports = [stack.free_port() for _ in range(instances)]
        self.action_ports = [stack.free_port() for _ in range(action_servers)]
        self.model, self.credentials, self.rasa_env = model, credentials, rasa_env or {}
        self.logs = self.state_dir / "logs"
        self.run_dir = self.state_dir / "run"
        self.services: list[stack.Service] = []
        self.core: list[stack.Service] = []  # PostgreSQL, Redis, nginx: without them nothing works
        self.instances: list[stack.Service] = []
        self.action_servers: list[stack.Service] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.front}"

    # --- configuration -----------------------------------------------------------

    def _prepare_dirs(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "pg-socket"):
            (self.run_dir / name).mkdir(parents=True, exist_ok=True)
        give_to("www-data", *(self.run_dir / n for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")))
        give_to("postgres", self.run_dir / "pg-socket")
        if running_as_root():  # the service users must reach their folders
            for folder in (self.state_dir, self.run_dir):
                folder.chmod(0o755)

    def _write_configs(self) -> tuple[Path, Path]:
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.instance_ports)
        actions = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.action_ports)
        nginx_conf = self.run_dir / "nginx.conf"
        nginx_conf.write_text(render(
            "nginx.conf.template", user_directive="user www-data;" if running_as_root() else "",
            run_dir=self.run_dir, log_dir=self.logs, port=self.ports.front, actions_port=self.ports.actions_proxy,
            rasa_servers=servers, action_servers=actions), encoding="utf-8")
        endpoints = self.run_dir / "endpoints.yml"
        endpoints.write_text(render("endpoints.yml.template", actions_port=self.ports.actions_proxy,
                                    pg_port=self.ports.postgres, redis_port=self.ports.redis), encoding="utf-8")
        return nginx_conf, endpoints

    # --- PostgreSQL and Redis ----------------------------------------------------------

    def _init_postgres(self, pg_bin: Path) -> Path:
        data = self.state_dir / "postgres"
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            give_to("postgres", data)
            subprocess.run(as_user("postgres", [str(pg_bin / "initdb"), "-D", str(data), "-U", DB_USER,
                                                "--auth=trust", "-E", "UTF8", "--no-instructions"]),
                           check=True, stdout=subprocess.DEVNULL, cwd="/")
        return data

    def _postgres(self, pg_bin: Path, data: Path) -> ProbedService:
        argv = as_user("postgres", [str(pg_bin / "postgres"), "-D", str(data), "-p", str(self.ports.postgres),
                                    "-c", "listen_addresses=127.0.0.1",
                                    "-c", f"unix_socket_directories={self.run_dir / 'pg-socket'}"])
        isready = [str(pg_bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.ports.postgres)]
        return ProbedService("postgresql", argv, "", log_path=self.logs / "postgresql.log",
                             probe=lambda: subprocess.run(isready, check=False).returncode == 0)

    def _create_database(self, pg_bin: Path) -> None:
        psql = [str(pg_bin / "psql") if (pg_bin / "psql").exists() else "psql",
                "-h", "127.0.0.1", "-p", str(self.ports.postgres), "-U", DB_USER, "-d", "postgres", "-tAc"]
        exists = subprocess.run([*psql, "SELECT 1 FROM pg_database WHERE datname = 'rasa'"],
                                check=True, capture_output=True, text=True).stdout.strip()
        if exists != "1":
            subprocess.run([*psql, "CREATE DATABASE rasa"], check=True, stdout=subprocess.DEVNULL)

    def _redis(self) -> ProbedService:
        folder = self.state_dir / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        # Locks only: nothing worth persisting.
        argv = [REDIS, "--port", str(self.ports.redis), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(folder), "--daemonize", "no"]
        return ProbedService("redis", argv, "", log_path=self.logs / "redis.log",
                             probe=lambda: tcp_answers(self.ports.redis, b"PING\r\n", b"+PONG"))

    # --- start and stop ------------------------------------------------------------------

    def start(self, progress: bool = False) -> ScaledDeployment:
        pg_bin = postgres_bin()
        assert pg_bin is not None
        self._prepare_dirs()
        nginx_conf, endpoints = self._write_configs()
        try:
            backing = [self._postgres(pg_bin, self._init_postgres(pg_bin)), self._redis()]
            self._launch(backing, progress)
            self._create_database(pg_bin)
            self.action_servers = [stack.action_server(p, self.logs / f"actions-{i}.log")
                                   for i, p in enumerate(self.action_ports)]
            self.instances = [self._rasa(i, p, endpoints) for i, p in enumerate(self.instance_ports)]
            nginx = ProbedService("nginx", [NGINX, "-c", str(nginx_conf), "-p", str(self.run_dir),
                                            "-g", "daemon off;"], "", log_path=self.logs / "nginx.log",
                                  probe=lambda: tcp_answers(self.ports.front))
            self._launch([*self.action_servers, *self.instances, nginx], progress)
            self.core = [*backing, nginx]
        except BaseException:
            self.stop()
            raise
        return self

    def _rasa(self, index: int, port: int, endpoints: Path) -> stack.Service:
        service = stack.rasa_server(port, model=self.model, endpoints=endpoints, credentials=self.credentials,
                                    log_path=self.logs / f"rasa-{index}.log", env=self.rasa_env)
        service.name = f"rasa instance {index}"
        return service

    def _launch(self, services: list[stack.Service], progress: bool) -> None:
        for service in services:
            self.services.append(service.start())
        stack.wait_healthy(services, timeout=300, progress=progress)

    def respawn(self, group: list[stack.Service], index: int) -> stack.Service:
        """Starts `group[index]` (a Rasa instance or action server) again, without waiting."""
        old = group[index]
        old.stop()
        fresh = stack.Service(old.name, old.argv, old.health_url, old.env, old.log_path)
        group[index] = fresh
        self.services = [fresh if s is old else s for s in self.services]
        return fresh.start()

    def restart_instance(self, index: int) -> stack.Service:
        """Starts Rasa instance `index` again (after a kill) and waits until it is up."""
        fresh = self.respawn(self.instances, index)
        stack.wait_healthy([fresh], timeout=300)
        return fresh

    def supervise(self, poll: float = 1.0) -> str:
        """Restarts Rasa instances and action servers that exit (as systemd's Restart= would);
        returns why it stopped when PostgreSQL, Redis or nginx exits."""
        while True:
            for service in self.core:
                if not service.running():
                    return f"{service.name} stopped (see {service.log_path})"
            for group in (self.instances, self.action_servers):
                for index, service in enumerate(group):
                    if not service.running():
                        print(f"{service.name} exited; starting it again (log: {service.log_path})", flush=True)
                        self.respawn(group, index)
            time.sleep(poll)

    def stop(self) -> None:
        stack.stop_all(self.services)
        self.services.clear()
        self.core.clear()

    def __enter__(self) -> ScaledDeployment:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.scaled", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=int(os.environ.get("INSTANCES", 2)))
    parser.add_argument("--action-servers", type=int, default=1)
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)), help="nginx front port")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE)
    return parser


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not MODEL.exists():
        print(f"no model at {MODEL}: run `make train` first", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    deployment = ScaledDeployment(args.instances, port=args.port, state_dir=args.state_dir,
                                  action_servers=args.action_servers)
    print(f"Starting PostgreSQL, Redis, {args.action_servers} action server(s), {args.instances} Rasa instances "
          f"and nginx (logs in {deployment.logs}); the instances take about a minute...")
    try:
        deployment.start(progress=True)
        print(f"\nScaled assistant ready at {deployment.url} (REST: {deployment.url}/webhooks/rest/webhook). "
              "Ctrl-C stops everything.")
        print(deployment.supervise(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        deployment.stop()
        print("Stopped.")


if __name__ == "__main__":
    sys.exit(main())

