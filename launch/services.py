"""The assistant's services as `Service`s: the action server, Rasa (through our
launcher, rasa_extensions) and the web page, plus the endpoints file that joins them.

Nothing here imports Rasa: each service is a subprocess of the project's Python.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import yaml

from launch.supervisor import Service

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# The one definition of the trained model's place (the Makefile's MODEL must match: tests/unit/test_makefile.py).
MODEL_DIR_NAME, MODEL_NAME = "models", "runner"
MODEL_DIR = PROJECT_DIR / MODEL_DIR_NAME
MODEL = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
# The one definition of the quiet environment (the Makefile exports the same for its own
# commands; tests/unit/test_makefile.py checks they match).
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONPATH": str(PROJECT_DIR),
}
ACTION_HOST_ENV = "ACTION_HOST"
# Seconds to wait for a service to answer: Rasa loads its model in ~30 s on an idle
# 2-core machine, in minutes on a busy one.
START_TIMEOUT = 600


def action_host() -> str:
    """Interface of the action server: loopback unless ACTION_HOST says otherwise (it has
    no authentication, and only Rasa needs to reach it)."""
    return os.environ.get(ACTION_HOST_ENV, "127.0.0.1")


def action_server(port: int, log_path: Path | None = None, env: dict[str, str] | None = None,
                  name: str = "action server") -> Service:
    """rasa_sdk's server on `action_host()`:port. rasa_sdk 3.6 has no host option; it binds
    the SANIC_HOST variable (default 0.0.0.0), so that is what we set."""
    argv = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    return Service(name, argv, f"http://127.0.0.1:{port}/health",
                   {**QUIET_ENV, "SANIC_HOST": action_host(), **(env or {})}, log_path, PROJECT_DIR)


def endpoints_file(action_port: int, directory: Path | None = None, extra: str = "",
                   base: Path | None = None, tracker_db: str | None = None) -> Path:
    """An endpoints.yml pointing Rasa at an action server on `action_port`.

    With `base`, every other setting of that file (tracker store, action timeout...)
    is kept and only the action server's URL (and with `tracker_db`, the store's file)
    is replaced.
    """
    directory = directory or Path(tempfile.mkdtemp(prefix="runner-endpoints-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "endpoints.yml"
    config = (yaml.safe_load(base.read_text(encoding="utf-8")) or {}) if base else {}
    action = dict(config.get("action_endpoint") or {})
    action["url"] = f"http://127.0.0.1:{action_port}/webhook"
    config["action_endpoint"] = action
    if tracker_db:
        config.setdefault("tracker_store", {})["db"] = tracker_db
    path.write_text(yaml.safe_dump(config, sort_keys=False) + extra, encoding="utf-8")
    return path


def rasa_command(*args: str) -> list[str]:
    """`rasa <args>` through our launcher, which installs the Rasa extensions in
    rasa_extensions/ (apology on action failures, API and body-size policy)."""
    return [sys.executable, "-m", "rasa_extensions", *args]


def rasa_server(port: int, *, model: Path, endpoints: Path, credentials: Path,
                cors: Sequence[str] = (), extra_args: Sequence[str] = (),
                log_path: Path | None = None, env: dict[str, str] | None = None,
                api_token: str | None = None, jwt_secret: str | None = None,
                name: str = "rasa server", launcher: bool = True, cwd: Path = PROJECT_DIR) -> Service:
    """`rasa run` on 127.0.0.1:port (through rasa_extensions unless `launcher=False`). The HTTP
    API is on only with `api_token` or `jwt_secret` (or RASA_API_TOKEN / RASA_JWT_SECRET
    already in the environment); secrets go to the child through its environment, never
    its command line."""
    rasa = rasa_command() if launcher else [str(VENV_BIN / "rasa")]
    argv = [*rasa, "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1",
            "--endpoints", str(endpoints), "--credentials", str(credentials)]
    if cors:
        argv += ["--cors", *cors]
    argv += list(extra_args)
    secrets = {key: value for key, value in (("RASA_API_TOKEN", api_token), ("RASA_JWT_SECRET", jwt_secret))
               if value}
    return Service(name, argv, f"http://127.0.0.1:{port}/", {**QUIET_ENV, **(env or {}), **secrets}, log_path, cwd)


def web_server(port: int, rasa_url: str, log_path: Path | None = None, name: str = "web page") -> Service:
    """web/serve.py: the chat page and the widget, pointing at `rasa_url`."""
    env = {"WEB_HOST": os.environ.get("WEB_HOST", "127.0.0.1"), "WEB_PORT": str(port), "RASA_URL": rasa_url}
    argv = [sys.executable, str(PROJECT_DIR / "web" / "serve.py")]
    return Service(name, argv, f"http://127.0.0.1:{port}/healthz", {**QUIET_ENV, **env}, log_path, PROJECT_DIR)
