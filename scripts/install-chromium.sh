#!/usr/bin/env bash
# Install Debian's headless Chromium for tests/test_monthly_report_in_a_real_browser.py (idempotent).
#
# Exits 0 at once when /usr/bin/chromium is already there. Otherwise installs Debian's `chromium` package
# (no browser download from the internet: apt only) and a font, which needs root on Debian/Ubuntu.
# Without Chromium the browser tests skip, saying so.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium.sh: no apt-get here; install Chromium so that /usr/bin/chromium exists" >&2
  exit 1
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-chromium.sh: needs root (or sudo) to apt-get install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version 2>/dev/null || true
