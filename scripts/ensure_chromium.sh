#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it when it is missing and we may.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian Chromium for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
else
  echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian) once, then 'make test' again." >&2
  exit 1
fi
