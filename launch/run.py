"""`make run` (`python -m launch run`): the action server, Rasa and the web page under
the supervisor; `make shell` (`python -m launch shell`): `rasa shell` with the action
server in the background.

`run` restarts a service that crashes (with backoff, logged), gives up with exit code 1
when one keeps crashing, and stops everything on Ctrl-C or SIGTERM (exit code 0).

Environment: RASA_PORT (5005), ACTION_PORT (5055), WEB_PORT (8080), ACTION_HOST
(127.0.0.1), RASA_URL (the page's Rasa URL), RASA_CORS_ORIGINS, RUNNER_LOG_DIR
(build/logs), RUNNER_TRACKER_DB (the SQLite file; default from endpoints.yml),
TELEGRAM_* (see README).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from launch import foreground, services
from launch.supervisor import DEFAULT_POLICY, RestartPolicy, Supervisor

TELEGRAM_VARS = ("TELEGRAM_TOKEN", "TELEGRAM_BOT_USERNAME", "TELEGRAM_WEBHOOK_URL",
                 "TELEGRAM_API_BASE_URL", "TELEGRAM_SECRET_TOKEN")
# Unquoted ${VAR}: Rasa substitutes the environment when it reads the file.
TELEGRAM_CREDENTIALS = """
channels.telegram.TelegramInput:
  access_token: ${TELEGRAM_TOKEN}
  verify: ${TELEGRAM_BOT_USERNAME}
  webhook_url: ${TELEGRAM_WEBHOOK_URL}
  api_base_url: ${TELEGRAM_API_BASE_URL}
  secret_token: ${TELEGRAM_SECRET_TOKEN}
"""


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def log_dir() -> Path:
    folder = Path(os.environ.get("RUNNER_LOG_DIR", services.PROJECT_DIR / "build" / "logs"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cors_origins() -> list[str]:
    """Origins allowed to call Rasa from a browser: RASA_CORS_ORIGINS (space or comma
    separated), by default only the web page served by web/serve.py (WEB_PORT)."""
    configured = os.environ.get("RASA_CORS_ORIGINS", "").replace(",", " ").split()
    web_port = _port("WEB_PORT", 8080)
    return configured or [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]


def credentials(folder: Path) -> tuple[Path, str]:
    """credentials.yml, plus Telegram when TELEGRAM_TOKEN is set; and a status line."""
    base = (services.PROJECT_DIR / "credentials.yml").read_text(encoding="utf-8")
    if not os.environ.get("TELEGRAM_TOKEN"):
        status = "Telegram: off (set TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_URL to connect a bot; see README)"
        return services.PROJECT_DIR / "credentials.yml", status
    path = folder / "credentials.runtime.yml"
    path.write_text(base + TELEGRAM_CREDENTIALS, encoding="utf-8")  # ${VARS} only: no secret on disk
    url = os.environ.get("TELEGRAM_WEBHOOK_URL", "(TELEGRAM_WEBHOOK_URL not set)")
    return path, f"Telegram: on, webhook {url}"


def telegram_problem(env: dict[str, str] | os._Environ[str]) -> str | None:
    """Why Telegram cannot start with these settings, checked before anything starts
    (inside Rasa the same check would only show as a crash loop)."""
    if env.get("TELEGRAM_TOKEN") and not env.get("TELEGRAM_SECRET_TOKEN"):
        return ("TELEGRAM_TOKEN is set but TELEGRAM_SECRET_TOKEN is not: without a secret anyone can post "
                "fake updates to the webhook. Set one, e.g. export TELEGRAM_SECRET_TOKEN=$(openssl rand -hex 32)")
    return None


def telegram_env() -> dict[str, str]:
    """Rasa aborts on an unset ${VAR}; optional Telegram settings default to empty."""
    return {name: os.environ.get(name, "") for name in TELEGRAM_VARS}


def configure_logging() -> None:
    """Supervisor events (starts, crashes, restarts) on stderr with a time stamp."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


def run(policy: RestartPolicy = DEFAULT_POLICY) -> int:
    configure_logging()
    problem = telegram_problem(os.environ)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    foreground.stop_on_sigterm()
    rasa_port, action_port, web_port = _port("RASA_PORT", 5005), _port("ACTION_PORT", 5055), _port("WEB_PORT", 8080)
    logs = log_dir()
    creds, telegram_status = credentials(logs)
    endpoints = services.endpoints_file(action_port, logs, base=services.PROJECT_DIR / "endpoints.yml",
                                        tracker_db=os.environ.get("RUNNER_TRACKER_DB"))
    rasa_url = os.environ.get("RASA_URL", f"http://localhost:{rasa_port}")
    stack = [
        services.action_server(action_port, logs / "actions.log"),
        services.rasa_server(rasa_port, model=services.MODEL_DIR, endpoints=endpoints, cors=cors_origins(),
                             credentials=creds, log_path=logs / "rasa.log", env=telegram_env()),
        services.web_server(web_port, rasa_url, logs / "web.log"),
    ]
    supervisor = Supervisor(policy)
    print(f"Starting (logs in {logs}); the model takes ~30 s to load.", flush=True)

    def ready() -> None:
        print("\nThe assistant is ready:")
        print(f"  Web chat: http://localhost:{web_port}")
        print(f"  REST:     curl -s -XPOST http://localhost:{rasa_port}/webhooks/rest/webhook "
              "-d '{\"sender\": \"me\", \"message\": \"my calves are tight\"}'")
        print(f"  {telegram_status}")
        print("A service that crashes is restarted. Press Ctrl-C to stop.", flush=True)

    return foreground.serve(lambda: supervisor.launch(stack, timeout=services.START_TIMEOUT, progress=True),
                            ready, supervisor.watch, supervisor.stop)


def shell() -> int:
    """`rasa shell` in this terminal, with our action server in the background."""
    action_port = _port("ACTION_PORT", 5055)
    logs = log_dir()
    supervisor = Supervisor(policy=None)
    try:
        supervisor.launch([services.action_server(action_port, logs / "actions.log")], timeout=services.START_TIMEOUT)
        endpoints = services.endpoints_file(action_port, logs, base=services.PROJECT_DIR / "endpoints.yml",
                                            tracker_db=os.environ.get("RUNNER_TRACKER_DB"))
        argv = services.rasa_command("shell", "--model", str(services.MODEL_DIR), "--endpoints", str(endpoints))
        return subprocess.call(argv, cwd=services.PROJECT_DIR, env={**os.environ, **services.QUIET_ENV})
    except KeyboardInterrupt:
        return 0
    finally:
        supervisor.stop()
