#!/usr/bin/env bash
# Machine prerequisites the tests need beyond `npm ci`: Debian's Chromium for browser tests.
# Idempotent: installs only what is missing (CI runs on a machine that may lack it).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (browser tests)"
  apt-get update -qq
  apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
chromium --version 2>/dev/null | head -1
