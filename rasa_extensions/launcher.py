"""`python -m rasa_extensions <rasa arguments>`: Rasa's own command line, with our extensions.

Before handing the arguments to `rasa`, for `run` (and `shell`):

- installs `rasa_extensions.resilience` (apology when the action server is down or slow),
  `rasa_extensions.action_schema` (action answers checked against a schema compiled once)
  and `rasa_extensions.fast_model_load` (DIET and TED load without tracing a training step);
- HTTP API: enabled only when RASA_API_TOKEN or RASA_JWT_SECRET is set in the
  environment (then `--enable-api` with that token/secret is added here, in-process,
  so the secret never shows in the process list). `--enable-api` without one is
  refused, and so is a token or secret on the command line. The command line is
  read by Rasa's own argument parser, so abbreviations (`--enable`, `--auth`,
  `--jwt-s=x`) and short options (`-t`) mean here what they mean to Rasa;
- limits request bodies to RUNNER_MAX_BODY_BYTES (default 10 MB) while the API is
  off (the API's model upload needs more) and makes Sanic's error pages JSON;
- creates the folder of a SQLite tracker store (owner only), which Rasa would
  otherwise retry forever to open;
- deletes conversations idle for longer than RUNNER_RETENTION_DAYS (default 90)
  from an SQL tracker store (`rasa_extensions.retention`, also `make purge`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from pathlib import Path
from typing import Mapping, MutableMapping, Sequence

import yaml

from rasa_extensions import namespace_migration, retention
from rasa_extensions.retention import SQLITE_STORE

logger = logging.getLogger(__name__)

TOKEN_ENV = "RASA_API_TOKEN"
JWT_SECRET_ENV = "RASA_JWT_SECRET"
JWT_METHOD_ENV = "RASA_JWT_METHOD"
MAX_BODY_ENV = "RUNNER_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 10_000_000  # above it Sanic answers 413 and closes at once; below, channels explain
# Rasa's options that carry a secret: (its spelling, its argparse destination)
SECRET_OPTIONS = (("--auth-token", "auth_token"), ("--jwt-secret", "jwt_secret"),
                  ("--jwt-private-key", "jwt_private_key"))
SERVER_COMMANDS = ("run", "shell")
TF_THREAD_ENV = ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS")


class LaunchError(Exception):
    """The command line asks for something our security policy forbids."""


def parse_rasa_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """`argv` as Rasa itself reads it (its own argparse parser, abbreviations included).

    None when Rasa would refuse the command line anyway (it then prints why)."""
    from rasa.__main__ import create_argument_parser

    try:  # argparse exits on errors and --help (in the sub-command's parser too)
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return create_argument_parser().parse_args(list(argv))
    except SystemExit:
        return None


def api_arguments(parsed: argparse.Namespace, env: Mapping[str, str], command: str = "run") -> list[str]:
    """The arguments that switch the HTTP API on, from the environment only.

    `parsed` is Rasa's own reading of the command line, so `--enable`, `-t`,
    `--auth`, `--jwt-s=x` count as what Rasa will take them for."""
    on_command_line = [flag for flag, dest in SECRET_OPTIONS if getattr(parsed, dest, None) is not None]
    if on_command_line:
        raise LaunchError(f"{', '.join(on_command_line)} on the command line would show the secret in the "
                          f"process list; set {TOKEN_ENV} or {JWT_SECRET_ENV} in the environment instead")
    asked = bool(getattr(parsed, "enable_api", False))
    token, secret = env.get(TOKEN_ENV, ""), env.get(JWT_SECRET_ENV, "")
    if (not token and not secret) or command != "run":
        if asked:
            raise LaunchError(f"the HTTP API stays off unless {TOKEN_ENV} or {JWT_SECRET_ENV} is set"
                              + ("" if command == "run" else f" (and only for `run`, not `{command}`)"))
        return []
    extra = [] if asked else ["--enable-api"]
    if token:
        extra += ["--auth-token", token]
    if secret:
        extra += ["--jwt-secret", secret, "--jwt-method", env.get(JWT_METHOD_ENV, "HS256")]
    return extra


def sqlite_tracker_db(endpoints: Path) -> Path | None:
    """File of the SQLite tracker store configured in `endpoints`, if any."""
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
    return Path(str(store.get("db", "rasa.db")))


def sqlite_tracker_folder(endpoints: Path) -> Path | None:
    """Folder of the SQLite tracker store configured in `endpoints`, if any."""
    database = sqlite_tracker_db(endpoints)
    return None if database is None else database.parent


def migrate_conversation_ids(endpoints: Path) -> None:
    """Conversations stored before the input guard move to per-channel ids, so their
    users find them again (idempotent; a no-op on a new or migrated file)."""
    database = sqlite_tracker_db(endpoints)
    if database is None or not database.exists():
        return
    renamed = namespace_migration.migrate(database)
    if renamed:
        print(f"Moved {renamed} stored conversations to per-channel ids (<channel>:<id>).", file=sys.stderr)


def server_environment(env: MutableMapping[str, str], api_enabled: bool) -> None:
    """Sanic settings (read from SANIC_* variables when Rasa creates its app) and TensorFlow's threads."""
    env.setdefault("SANIC_FALLBACK_ERROR_FORMAT", "json")
    # Rasa predicts one message at a time on its event loop, with small matrices: TensorFlow's
    # thread pools only add hand-offs (`make bench`: p50 and p95 lower with one thread each).
    for variable in TF_THREAD_ENV:
        env.setdefault(variable, "1")
    if not api_enabled:
        env.setdefault("SANIC_REQUEST_MAX_SIZE", env.get(MAX_BODY_ENV, str(DEFAULT_MAX_BODY_BYTES)))


def prepare(argv: list[str], env: MutableMapping[str, str]) -> list[str]:
    """Rasa arguments after our policy; may set SANIC_* variables in `env`."""
    if not argv or argv[0] not in SERVER_COMMANDS:
        return argv
    parsed = parse_rasa_arguments(argv)
    if parsed is None:
        return argv  # Rasa refuses it and says why; nothing is started
    extra = api_arguments(parsed, env, argv[0])
    server_environment(env, bool(extra) or bool(getattr(parsed, "enable_api", False)))
    argv = argv + extra
    endpoints = Path(getattr(parsed, "endpoints", None) or "endpoints.yml")
    folder = sqlite_tracker_folder(endpoints)
    if folder is not None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    migrate_conversation_ids(endpoints)
    purge_old_conversations(endpoints, env)
    return argv


def purge_old_conversations(endpoints: Path, env: Mapping[str, str]) -> None:
    """Deletes conversations past the retention period before the server serves anyone.

    A bad retention setting stops the launch; a store that cannot be reached only
    warns (Rasa then reports it, or retries until it is up)."""
    try:
        days = retention.retention_days(env)
    except retention.RetentionError as error:
        raise LaunchError(str(error)) from error
    try:
        result = retention.purge(endpoints, days)
    except retention.RetentionError as error:
        print(f"warning: retention: nothing purged at start-up: {error}", file=sys.stderr)
        return
    if result is not None and result.conversations:
        print(f"Retention: deleted {result.conversations} conversations idle for more than {days:g} days.",
              file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        args = prepare(args, os.environ)
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from rasa_extensions import action_schema, fast_model_load, input_guard, resilience

    input_guard.install(args)
    resilience.install()
    action_schema.install()
    fast_model_load.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()
    return 0
