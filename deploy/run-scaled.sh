#!/usr/bin/env bash
# Scaled mode on loopback: PostgreSQL + Redis + action server + N Rasa instances
# behind nginx. Ctrl-C (or SIGTERM) stops them all. Options: see
# `deploy/run-scaled.sh --help` (e.g. --instances 4 --port 5005).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# exec: signals go straight to the Python supervisor, which stops every service.
exec "${PY:-.venv/bin/python}" -m deploy.scaled "$@"
