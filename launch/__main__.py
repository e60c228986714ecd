"""`python -m launch run|shell`: `make run` and `make shell` (see launch/run.py)."""

import sys

from launch.run import run, shell

COMMANDS = {"run": run, "shell": shell}

if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
    print(f"usage: python -m launch {'|'.join(COMMANDS)}", file=sys.stderr)
    raise SystemExit(2)
raise SystemExit(COMMANDS[sys.argv[1]]())
