"""`python -m runner_rasa <rasa arguments>`: Rasa's own command line, with our extensions.

Before handing the arguments to `rasa`, for `run` (and `shell`):

- installs `runner_rasa.resilience` (apology when the action server is down or slow)
  and `runner_rasa.action_schema` (action answers checked against a schema compiled once);
- HTTP API: enabled only when RASA_API_TOKEN or RASA_JWT_SECRET is set in the
  environment (then `--enable-api` with that token/secret is added here, in-process,
  so the secret never shows in the process list). `--enable-api` without one is
  refused, and so is a token or secret on the command line;
- limits request bodies to RUNNER_MAX_BODY_BYTES (default 10 MB) while the API is
  off (the API's model upload needs more) and makes Sanic's error pages JSON;
- creates the folder of a SQLite tracker store, which Rasa would otherwise retry
  forever to open.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Mapping, MutableMapping, Sequence

import yaml

logger = logging.getLogger(__name__)

TOKEN_ENV = "RASA_API_TOKEN"
JWT_SECRET_ENV = "RASA_JWT_SECRET"
JWT_METHOD_ENV = "RASA_JWT_METHOD"
MAX_BODY_ENV = "RUNNER_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 10_000_000  # above it Sanic answers 413 and closes at once; below, channels explain
SECRET_FLAGS = ("--auth-token", "--jwt-secret", "--jwt-private-key")
SERVER_COMMANDS = ("run", "shell")
SQLITE_STORE = "runner_rasa.tracker_store.SQLiteTrackerStore"


class LaunchError(Exception):
    """The command line asks for something our security policy forbids."""


def option_value(argv: Sequence[str], *names: str) -> str | None:
    """Value of `--name value` or `--name=value` in argv (the last one wins)."""
    value = None
    for index, arg in enumerate(argv):
        for name in names:
            if arg == name and index + 1 < len(argv):
                value = argv[index + 1]
            elif arg.startswith(name + "="):
                value = arg.split("=", 1)[1]
    return value


def api_arguments(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The arguments that switch the HTTP API on, from the environment only."""
    on_command_line = [flag for flag in SECRET_FLAGS if option_value(argv, flag) is not None]
    if on_command_line:
        raise LaunchError(f"{', '.join(on_command_line)} on the command line would show the secret in the "
                          f"process list; set {TOKEN_ENV} or {JWT_SECRET_ENV} in the environment instead")
    token, secret = env.get(TOKEN_ENV, ""), env.get(JWT_SECRET_ENV, "")
    if not token and not secret:
        if "--enable-api" in argv:
            raise LaunchError(f"the HTTP API stays off unless {TOKEN_ENV} or {JWT_SECRET_ENV} is set")
        return []
    extra = [] if "--enable-api" in argv else ["--enable-api"]
    if token:
        extra += ["--auth-token", token]
    if secret:
        extra += ["--jwt-secret", secret, "--jwt-method", env.get(JWT_METHOD_ENV, "HS256")]
    return extra


def sqlite_tracker_folder(endpoints: Path) -> Path | None:
    """Folder of the SQLite tracker store configured in `endpoints`, if any."""
    try:
        config = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None  # Rasa reports unreadable endpoint files itself
    store = config.get("tracker_store") if isinstance(config, dict) else None
    if not isinstance(store, dict):
        return None
    kind = str(store.get("type", ""))
    rasa_sqlite = kind.lower() == "sql" and str(store.get("dialect", "sqlite")).lower() == "sqlite"
    if kind != SQLITE_STORE and (not rasa_sqlite or store.get("host")):
        return None
    return Path(str(store.get("db", "rasa.db"))).parent


def server_environment(env: MutableMapping[str, str], api_enabled: bool) -> None:
    """Sanic settings (read from SANIC_* variables when Rasa creates its app)."""
    env.setdefault("SANIC_FALLBACK_ERROR_FORMAT", "json")
    if not api_enabled:
        env.setdefault("SANIC_REQUEST_MAX_SIZE", env.get(MAX_BODY_ENV, str(DEFAULT_MAX_BODY_BYTES)))


def prepare(argv: list[str], env: MutableMapping[str, str]) -> list[str]:
    """Rasa arguments after our policy; may set SANIC_* variables in `env`."""
    if not argv or argv[0] not in SERVER_COMMANDS:
        return argv
    if argv[0] == "run":
        argv = argv + api_arguments(argv, env)
    server_environment(env, "--enable-api" in argv)
    folder = sqlite_tracker_folder(Path(option_value(argv, "--endpoints") or "endpoints.yml"))
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        args = prepare(args, os.environ)
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from runner_rasa import action_schema, input_guard, resilience

    input_guard.install(args)
    resilience.install()
    action_schema.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()
    return 0
