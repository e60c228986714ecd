"""Run a supervised set of services in the foreground until Ctrl-C, SIGTERM or a give-up
(`make run` and `make run-scaled` share this loop and its exit codes)."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Callable

from launch.supervisor import GaveUpError


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """`kill` (SIGTERM) stops the services as Ctrl-C does, instead of orphaning them."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)


def serve(start: Callable[[], None], ready: Callable[[], None], watch: Callable[[], None],
          stop: Callable[[], None]) -> int:
    """start(), ready() (print where to connect), watch() until something ends it, then stop().
    Exit code 0 on Ctrl-C or SIGTERM, 1 when a service could not start or kept crashing."""
    try:
        start()
        ready()
        watch()
        return 0
    except GaveUpError as error:
        print(f"\nStopping everything: {error}", file=sys.stderr)
        return 1
    except (RuntimeError, TimeoutError) as error:
        print(f"\nCould not start: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop()
        print("Stopped.", flush=True)
