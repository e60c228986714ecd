#!/usr/bin/env bash
# Create or update the virtual environment with the pinned packages.
# Usage: scripts/make-venv.sh PYTHON VENV_DIR
set -euo pipefail
python="$1"; venv="$2"
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none)
if [ "$version" != "3.10" ]; then
  cat >&2 <<MSG
error: Rasa 3.6 needs Python 3.10, but '$python' is ${version/none/not runnable}.
Install Python 3.10 (for example 'pyenv install 3.10.13', or 'apt-get install python3.10 python3.10-venv'),
then run again, or point to it with: make PYTHON=/path/to/python3.10 <target>
MSG
  exit 1
fi
if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "3.10" ]; then
  echo "Removing $venv: it was built with another Python version." >&2
  rm -rf "$venv"
fi
[ -x "$venv/bin/python" ] || { echo "Creating $venv with $python ($version)..."; "$python" -m venv "$venv"; }
echo "Installing pinned Python packages (first time: about a minute, 2.7 GB)..."
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0" "uv==0.13.9"
log=$(mktemp)
# uv installs the same pins as pip in about a fifth of the time (parallel downloads);
# pip stays the fallback, e.g. where only a pip index configuration reaches PyPI.
if "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" -r requirements.in -c constraints.txt >"$log" 2>&1; then
  echo "Installed with uv."
elif ! "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    -r requirements.in -c constraints.txt >"$log" 2>&1; then
  grep -v "^WARNING: Location" "$log" >&2; rm -f "$log"; exit 1
fi
rm -f "$log"
"$venv/bin/python" -m pip check >/dev/null || { "$venv/bin/python" -m pip check; exit 1; }
echo "Python environment ready."
