#!/usr/bin/env bash
# Print a Python 3.10 interpreter: $PYTHON if set, else python3.10 on PATH, else pyenv's.
set -u
if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; exit 0; fi
for candidate in python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
    command -v "$candidate"; exit 0
  fi
done
echo python3.10
