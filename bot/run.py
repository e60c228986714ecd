"""`python -m bot run`: start the action server and Rasa, wait until both answer,
print where to talk to the assistant, and stop everything on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from bot import stack

LOG_DIR = stack.PROJECT_DIR / "build" / "logs"
MODEL = stack.PROJECT_DIR / "models"
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


def _cors_origins() -> list[str]:
    """Origins allowed to call Rasa from a browser: RASA_CORS_ORIGINS (space or comma
    separated), by default only the web page served by web/serve.py (WEB_PORT)."""
    configured = os.environ.get("RASA_CORS_ORIGINS", "").replace(",", " ").split()
    web_port = _port("WEB_PORT", 8080)
    return configured or [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]


def _credentials() -> tuple[Path, str]:
    """credentials.yml, plus Telegram when TELEGRAM_TOKEN is set; and a status line."""
    base = (stack.PROJECT_DIR / "credentials.yml").read_text(encoding="utf-8")
    if not os.environ.get("TELEGRAM_TOKEN"):
        status = "Telegram: off (set TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_URL to connect a bot; see README)"
        return stack.PROJECT_DIR / "credentials.yml", status
    path = LOG_DIR.parent / "credentials.runtime.yml"
    path.write_text(base + TELEGRAM_CREDENTIALS, encoding="utf-8")  # ${VARS} only: no secret on disk
    url = os.environ.get("TELEGRAM_WEBHOOK_URL", "(TELEGRAM_WEBHOOK_URL not set)")
    return path, f"Telegram: on, webhook {url}"


def _telegram_env() -> dict[str, str]:
    """Rasa aborts on an unset ${VAR}; optional Telegram settings default to empty."""
    return {name: os.environ.get(name, "") for name in TELEGRAM_VARS}


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) stops the services like Ctrl-C does, instead of orphaning them."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def run() -> int:
    _stop_on_sigterm()
    rasa_port = _port("RASA_PORT", 5005)
    action_port = _port("ACTION_PORT", 5055)
    web_port = _port("WEB_PORT", 8080)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    credentials, telegram_status = _credentials()
    actions = stack.action_server(action_port, LOG_DIR / "actions.log")
    endpoints = stack.endpoints_file(action_port, LOG_DIR, base=stack.PROJECT_DIR / "endpoints.yml")
    rasa = stack.rasa_server(
        rasa_port, model=MODEL, endpoints=endpoints, cors=_cors_origins(),
        credentials=credentials, log_path=LOG_DIR / "rasa.log", env=_telegram_env(),
    )
    rasa_url = os.environ.get("RASA_URL", f"http://localhost:{rasa_port}")
    web = stack.web_server(web_port, rasa_url, LOG_DIR / "web.log")
    services = [actions.start(), rasa.start(), web.start()]
    print(f"Starting (logs in {LOG_DIR.relative_to(stack.PROJECT_DIR)}/); the model takes ~30 s to load.")
    try:
        stack.wait_healthy(services, progress=True)
        print("\nThe assistant is ready:")
        print(f"  Web chat: http://localhost:{web_port}")
        print(f"  REST:     curl -s -XPOST http://localhost:{rasa_port}/webhooks/rest/webhook "
              "-d '{\"sender\": \"me\", \"message\": \"my calves are tight\"}'")
        print(f"  {telegram_status}")
        print("Press Ctrl-C to stop.")
        while all(s.running() for s in services):
            time.sleep(1)
        print("A service stopped unexpectedly; see the logs.")
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop_all(services)
        print("Stopped.")


def shell() -> int:
    """`rasa shell` in this terminal, with our action server in the background."""
    action_port = _port("ACTION_PORT", 5055)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    actions = stack.action_server(action_port, LOG_DIR / "actions.log").start()
    try:
        stack.wait_healthy([actions], timeout=60)
        endpoints = stack.endpoints_file(action_port, LOG_DIR, base=stack.PROJECT_DIR / "endpoints.yml")
        argv = stack.rasa_command("shell", "--model", str(MODEL), "--endpoints", str(endpoints))
        env = {**os.environ, **stack.QUIET_ENV}
        return subprocess.call(argv, cwd=stack.PROJECT_DIR, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        actions.stop()
