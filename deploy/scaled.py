"""Scaled mode: Rasa's own scaling design, on loopback, from Debian's packages.

    python -m deploy.scaled [--instances 2] [--port 5005] [--state-dir build/scaled]
    (or deploy/run-scaled.sh, or `make run-scaled`)

Starts PostgreSQL (tracker store: every conversation's slots and history),
Redis (lock store: one message of a conversation at a time, whichever instance
takes it), the action server, N `rasa run` processes, the web page and nginx in
front of them, prints the URL, restarts what crashes (launch/supervisor.py) and
stops everything on Ctrl-C or SIGTERM. Configuration files are generated from the
templates beside this file with free ports; data (the PostgreSQL cluster) and logs
stay under the state folder, so conversations survive restarts.

Least privilege: everything listens on 127.0.0.1 only. PostgreSQL's superuser can
only connect over its Unix socket with peer authentication (socket mode 0700); Rasa
connects as `runner`, a role that is not a superuser and owns the `rasa` database,
with scram-sha-256 and the password RUNNER_PG_PASSWORD. Redis requires the password
RUNNER_REDIS_PASSWORD. Either password is generated for the run when unset (the
role's password is set again at each start). nginx exposes only the public paths:
the page, socket.io and the webhooks (REST only when credentials enable it). As
root, PostgreSQL runs as `postgres`, Redis as `redis`, nginx's workers as `www-data`.

The same is usable from Python (tests, bench/scaling.py):

    with ScaledDeployment(instances=2) as deployment:
        deployment.url, deployment.instances[0].kill(), ...
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import socket
import string
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import yaml

from launch import foreground, services
from launch.supervisor import DEFAULT_POLICY, RestartPolicy, Service, Supervisor, free_port

HERE = Path(__file__).resolve().parent
DEFAULT_STATE = services.PROJECT_DIR / "build" / "scaled"
MODEL = services.MODEL
CREDENTIALS = services.PROJECT_DIR / "credentials.yml"
NGINX = "/usr/sbin/nginx"
REDIS = "/usr/bin/redis-server"
DB_USER, DB_NAME = "runner", "rasa"
PG_PASSWORD_ENV, REDIS_PASSWORD_ENV = "RUNNER_PG_PASSWORD", "RUNNER_REDIS_PASSWORD"
AUTH_MARKER = ".runner-scram"  # clusters made before scram + a non-superuser role lack it
WEB_PATHS = ("/", "/index.html", "/app.js", "/style.css", "/config.json", "/webchat/index.js")


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


def user_exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


def as_user(user: str, argv: Sequence[str]) -> list[str]:
    """argv run as `user` when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", user, "--", *argv] if running_as_root() and user_exists(user) else list(argv)


def give_to(user: str, *paths: Path) -> None:
    if running_as_root() and user_exists(user):
        entry = pwd.getpwnam(user)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)


def pg_superuser() -> str:
    """The cluster's superuser: the OS user PostgreSQL runs as, so peer authentication maps it."""
    return "postgres" if running_as_root() else pwd.getpwuid(os.geteuid()).pw_name


def tcp_answers(port: int, send: bytes = b"", expect: bytes = b"") -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            if not send:
                return True
            sock.sendall(send)
            received = b""
            while len(received) < len(expect):
                chunk = sock.recv(64)
                if not chunk:
                    break
                received += chunk
            return received.startswith(expect)
    except OSError:
        return False


def redis_ping(port: int, password: str) -> bool:
    return tcp_answers(port, f"AUTH {password}\r\nPING\r\n".encode(), b"+OK\r\n+PONG")


def rest_enabled(credentials: Path) -> bool:
    """True when the credentials file configures Rasa's REST channel or a subclass named RestInput."""
    config = yaml.safe_load(credentials.read_text(encoding="utf-8")) or {}
    return any(name == "rest" or str(name).rsplit(".", 1)[-1] == "RestInput" for name in config)


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render(template: str, **values: object) -> str:
    return string.Template((HERE / template).read_text(encoding="utf-8")).substitute(values)


def write_private(path: Path, text: str, owner: str | None = None) -> Path:
    """A file only its owner can read (configuration holding a password)."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    if owner:
        give_to(owner, path)
    return path


# Rasa's conversation lock in Redis outlives an instance killed while holding it: the
# conversation's next message waits until it expires (Rasa's default, 60 s, is as long as
# a client waits). A turn takes about a second, and at most the action timeout per action.
LOCK_LIFETIME_ENV, LOCK_LIFETIME_SECONDS = "TICKET_LOCK_LIFETIME", "30"


class ScaledDeployment:
    """PostgreSQL + Redis + action server(s) + N Rasa instances + web page + nginx, under one supervisor."""

    def __init__(self, instances: int = 2, *, port: int | None = None, state_dir: Path = DEFAULT_STATE,
                 action_servers: int = 1, model: Path = MODEL, credentials: Path = CREDENTIALS,
                 rasa_env: dict[str, str] | None = None, policy: RestartPolicy | None = DEFAULT_POLICY) -> None:
        missing = missing_binaries()
        if missing:
            raise RuntimeError(f"not installed: {', '.join(missing)} (run scripts/install-system-deps.sh as root)")
        self.state_dir = state_dir.resolve()
        self.port = port or free_port()
        self.ports = {name: free_port() for name in ("actions_proxy", "postgres", "redis", "web")}
        self.instance_ports = [free_port() for _ in range(instances)]
        self.action_ports = [free_port() for _ in range(action_servers)]
        self.model, self.credentials = model, credentials
        self.pg_password = os.environ.get(PG_PASSWORD_ENV) or secrets.token_urlsafe(24)
        self.redis_password = os.environ.get(REDIS_PASSWORD_ENV) or secrets.token_urlsafe(24)
        self.rasa_env = {PG_PASSWORD_ENV: self.pg_password, REDIS_PASSWORD_ENV: self.redis_password,
                         LOCK_LIFETIME_ENV: os.environ.get(LOCK_LIFETIME_ENV, LOCK_LIFETIME_SECONDS),
                         **(rasa_env or {})}
        self.logs = self.state_dir / "logs"
        self.run_dir = self.state_dir / "run"
        self.supervisor = Supervisor(policy)
        self.instances: list[Service] = []
        self.action_servers: list[Service] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pg_socket_dir(self) -> Path:
        return self.run_dir / "pg-socket"

    # --- configuration -----------------------------------------------------------

    def _prepare_dirs(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        nginx_dirs = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        for name in (*nginx_dirs, "pg-socket", "redis"):
            (self.run_dir / name).mkdir(parents=True, exist_ok=True)
        give_to("www-data", *(self.run_dir / n for n in nginx_dirs))
        give_to("postgres", self.pg_socket_dir)
        give_to("redis", self.run_dir / "redis")
        if running_as_root():  # the service users must reach their folders
            for folder in (self.state_dir, self.run_dir):
                folder.chmod(0o755)

    def _nginx_config(self) -> Path:
        def servers(ports: Sequence[int]) -> str:
            return "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)

        # Without the REST channel its path is not public either (it would only give Rasa's 404).
        rest = "" if rest_enabled(self.credentials) else "        location /webhooks/rest/ { return 404; }\n"
        pages = "|".join(p.lstrip("/").replace(".", r"\.") for p in WEB_PATHS)
        path = self.run_dir / "nginx.conf"
        path.write_text(render(
            "nginx.conf.template", user_directive="user www-data;" if running_as_root() else "",
            run_dir=self.run_dir, log_dir=self.logs, port=self.port, actions_port=self.ports["actions_proxy"],
            web_port=self.ports["web"], rasa_servers=servers(self.instance_ports),
            action_servers=servers(self.action_ports), rest_location=rest, web_paths=f"^/({pages})$"),
            encoding="utf-8")
        return path

    def _endpoints(self) -> Path:
        path = self.run_dir / "endpoints.yml"
        path.write_text(render("endpoints.yml.template", actions_port=self.ports["actions_proxy"],
                               pg_port=self.ports["postgres"], redis_port=self.ports["redis"], db_user=DB_USER,
                               db_name=DB_NAME, pg_password_env=PG_PASSWORD_ENV,
                               redis_password_env=REDIS_PASSWORD_ENV), encoding="utf-8")
        return path

    # --- PostgreSQL and Redis ----------------------------------------------------------

    def _init_postgres(self, pg_bin: Path) -> Path:
        data = self.state_dir / "postgres"
        if (data / "PG_VERSION").exists() and not (data / AUTH_MARKER).exists():
            raise RuntimeError(f"{data} was created with trust authentication and a superuser for Rasa; "
                               "move it away or delete it (its conversations are lost) and start again")
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            give_to("postgres", data)
            subprocess.run(as_user("postgres", [str(pg_bin / "initdb"), "-D", str(data), "-U", pg_superuser(),
                                                "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8",
                                                "--no-instructions"]),
                           check=True, stdout=subprocess.DEVNULL, cwd="/")
            (data / AUTH_MARKER).touch()
        return data

    def _postgres(self, pg_bin: Path, data: Path) -> Service:
        argv = as_user("postgres", [str(pg_bin / "postgres"), "-D", str(data), "-p", str(self.ports["postgres"]),
                                    "-c", "listen_addresses=127.0.0.1", "-c", "password_encryption=scram-sha-256",
                                    "-c", f"unix_socket_directories={self.pg_socket_dir}",
                                    "-c", "unix_socket_permissions=0700"])
        isready = [str(pg_bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.ports["postgres"])]
        return Service("postgresql", argv, log_path=self.logs / "postgresql.log", cwd=Path("/"),
                       probe=lambda: subprocess.run(isready, check=False).returncode == 0)

    def psql(self, pg_bin: Path, sql: str, database: str = "postgres") -> str:
        """Runs `sql` (from stdin: no password on a command line) as the superuser over the Unix socket."""
        psql = str(pg_bin / "psql") if (pg_bin / "psql").exists() else "psql"
        argv = as_user("postgres", [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-h", str(self.pg_socket_dir),
                                    "-p", str(self.ports["postgres"]), "-U", pg_superuser(), "-d", database])
        return subprocess.run(argv, input=sql, check=True, capture_output=True, text=True, cwd="/").stdout.strip()

    def _create_database(self, pg_bin: Path) -> None:
        """The `runner` role (no superuser, no CREATEDB/CREATEROLE) with this run's password, owning `rasa`."""
        self.psql(pg_bin, f"""
            SELECT 'CREATE ROLE {DB_USER}' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DB_USER}')
            \\gexec
            ALTER ROLE {DB_USER} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
                PASSWORD {sql_literal(self.pg_password)};
            SELECT 'CREATE DATABASE {DB_NAME} OWNER {DB_USER}'
                WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{DB_NAME}')
            \\gexec
            ALTER DATABASE {DB_NAME} OWNER TO {DB_USER};
            REVOKE ALL ON DATABASE postgres FROM PUBLIC;
        """)

    def _redis(self) -> Service:
        folder = self.run_dir / "redis"
        # Locks only: nothing worth persisting. The password is in a 0600 file, not on a command line.
        conf = write_private(folder / "redis.conf", "\n".join([
            f"port {self.ports['redis']}", "bind 127.0.0.1", "protected-mode yes", 'save ""', "appendonly no",
            f"dir {folder}", "daemonize no", f'requirepass "{self.redis_password}"', ""]), owner="redis")
        return Service("redis", as_user("redis", [REDIS, str(conf)]), log_path=self.logs / "redis.log",
                       probe=lambda: redis_ping(self.ports["redis"], self.redis_password))

    # --- start and stop ------------------------------------------------------------------

    def start(self, progress: bool = False) -> ScaledDeployment:
        pg_bin = postgres_bin()
        assert pg_bin is not None
        self._prepare_dirs()
        nginx_conf, endpoints = self._nginx_config(), self._endpoints()
        try:
            self.supervisor.launch([self._postgres(pg_bin, self._init_postgres(pg_bin)), self._redis()],
                                   timeout=60, progress=progress)
            self._create_database(pg_bin)
            self.action_servers = [services.action_server(p, self.logs / f"actions-{i}.log", name=f"action server {i}")
                                   for i, p in enumerate(self.action_ports)]
            self.instances = [
                services.rasa_server(port, model=self.model, endpoints=endpoints, credentials=self.credentials,
                                     log_path=self.logs / f"rasa-{i}.log", env=self.rasa_env, name=f"rasa instance {i}")
                for i, port in enumerate(self.instance_ports)]
            web = services.web_server(self.ports["web"], self.url, self.logs / "web.log")
            nginx = Service("nginx", [NGINX, "-c", str(nginx_conf), "-p", str(self.run_dir), "-g", "daemon off;"],
                            log_path=self.logs / "nginx.log", probe=lambda: tcp_answers(self.port))
            self.supervisor.launch([*self.action_servers, *self.instances, web, nginx],
                                   timeout=services.START_TIMEOUT, progress=progress)
        except BaseException:
            self.stop()
            raise
        return self

    def restart_instance(self, index: int) -> Service:
        """Starts Rasa instance `index` again (after a kill) and waits until it is up."""
        return self.supervisor.restart(self.instances[index].name, timeout=services.START_TIMEOUT)

    def supervise(self) -> None:
        """Restarts what crashes until Ctrl-C; raises GaveUpError when a service keeps crashing."""
        self.supervisor.watch()

    def stop(self) -> None:
        self.supervisor.stop()

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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not MODEL.exists():
        print(f"no model at {MODEL}: run `make train` first", file=sys.stderr)
        return 1
    from launch.run import configure_logging

    configure_logging()
    foreground.stop_on_sigterm()
    deployment = ScaledDeployment(args.instances, port=args.port, state_dir=args.state_dir,
                                  action_servers=args.action_servers)
    print(f"Starting PostgreSQL, Redis, {args.action_servers} action server(s), {args.instances} Rasa instances, "
          f"the web page and nginx (logs in {deployment.logs}); the instances take about a minute...", flush=True)
    def ready() -> None:
        print(f"\nScaled assistant ready at {deployment.url} (web page: {deployment.url}/). A service that crashes "
              "is restarted. Ctrl-C stops everything.", flush=True)

    return foreground.serve(lambda: deployment.start(progress=True), ready, deployment.supervise, deployment.stop)


if __name__ == "__main__":
    sys.exit(main())
