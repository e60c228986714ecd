"""`python -m bot run`: start the action server and Rasa, wait until both answer,
print where to talk to the assistant, and stop everything on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from bot import stack

LOG_DIR = stack.PROJECT_DIR / "build" / "logs"
MODEL = stack.PROJECT_DIR / "models"


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def run() -> int:
    rasa_port = _port("RASA_PORT", 5005)
    action_port = _port("ACTION_PORT", 5055)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    actions = stack.action_server(action_port, LOG_DIR / "actions.log")
    rasa = stack.rasa_server(
        rasa_port, model=MODEL, endpoints=stack.endpoints_file(action_port, LOG_DIR),
        credentials=stack.PROJECT_DIR / "credentials.yml", log_path=LOG_DIR / "rasa.log",
    )
    services = [actions.start(), rasa.start()]
    print(f"Starting (logs in {LOG_DIR.relative_to(stack.PROJECT_DIR)}/); the model takes ~30 s to load.")
    try:
        stack.wait_healthy(services, progress=True)
        print("\nThe assistant is ready:")
        print(f"  REST:     curl -s -XPOST http://localhost:{rasa_port}/webhooks/rest/webhook "
              "-d '{\"sender\": \"me\", \"message\": \"my calves are tight\"}'")
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
        argv = [str(stack.VENV_BIN / "rasa"), "shell", "--model", str(MODEL),
                "--endpoints", str(stack.endpoints_file(action_port, LOG_DIR))]
        env = {**os.environ, **stack.QUIET_ENV}
        return subprocess.call(argv, cwd=stack.PROJECT_DIR, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        actions.stop()
