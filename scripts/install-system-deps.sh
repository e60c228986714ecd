#!/usr/bin/env bash
# Install the Debian packages the project needs beyond Python: PostgreSQL, Redis
# and nginx for the scaled mode (deploy/), Chromium and its driver for the browser
# tests. Idempotent and non-interactive; installs only what is missing.
# Without root or apt-get it prints one line and exits 0, so the tests that need
# these servers skip with a reason instead of failing.
set -euo pipefail

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
  [ -e "${WANT[$package]}" ] || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages present: ${!WANT[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Cannot install ${missing[*]}: no apt-get on this machine (tests that need them will be skipped)."
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Cannot install ${missing[*]}: not root (run 'sudo $0'; tests that need them will be skipped)."
  exit 0
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
