#!/usr/bin/env bash
# Install the Debian packages the project needs beyond Python: PostgreSQL, Redis
# and nginx for the scaled mode (deploy/), Chromium and its driver for the browser
# tests. Idempotent and non-interactive; installs only what is missing.
# Without root or apt-get it prints one line and exits 0 on a developer's machine
# (the tests that need these servers then skip, and `make test` says so instead of
# "All checks passed"); under CI=true it fails loudly instead, as does any failed
# install. SYSTEM_DEPS_ROOT checks the packages under another root (tests).
set -euo pipefail

root=${SYSTEM_DEPS_ROOT:-}
under_ci() { case "${CI:-}" in 1|true|TRUE|True|yes) return 0 ;; *) return 1 ;; esac; }
cannot_install() {
  if under_ci; then
    echo "ERROR: cannot install $1 under CI=true: the browser and scaled-mode tests need them." >&2
    echo "ERROR: run CI as root on Debian/Ubuntu (apt-get), or provide an image with them installed." >&2
    exit 1
  fi
  echo "Cannot install $1 (tests that need them will be skipped, and make test will say so)."
  exit 0
}

# Debian package -> a file that proves it is installed.
declare -A WANT=(
  [postgresql]=/usr/lib/postgresql
  [redis-server]=/usr/bin/redis-server
  [nginx]=/usr/sbin/nginx
  [chromium]=/usr/bin/chromium
  [chromium-driver]=/usr/bin/chromedriver
)

missing=()
for package in "${!WANT[@]}"; do
  [ -e "$root${WANT[$package]}" ] || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages present: ${!WANT[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  cannot_install "${missing[*]}: no apt-get on this machine"
fi
if [ "$(id -u)" -ne 0 ]; then
  cannot_install "${missing[*]}: not root (run 'sudo $0')"
fi

echo "Installing ${missing[*]} with apt-get..."
export DEBIAN_FRONTEND=noninteractive
# Debian's packages start their services on install; we run our own instances on
# free loopback ports, so keep the system-wide services from starting.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
cleanup() { [ "$created_policy" -eq 0 ] || rm -f "$policy"; }
trap cleanup EXIT
apt-get update -qq || { echo "ERROR: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || { echo "ERROR: apt-get install ${missing[*]} failed" >&2; exit 1; }
still=()
for package in "${missing[@]}"; do
  [ -e "$root${WANT[$package]}" ] || still+=("$package")
done
if [ ${#still[@]} -ne 0 ]; then
  echo "ERROR: apt-get ran but ${still[*]} still missing" >&2
  exit 1
fi
echo "Installed: ${missing[*]}"
