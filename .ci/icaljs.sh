#!/usr/bin/env bash
# ical.js tier: every golden feed and invitation, and the feeds the daemon's handler serves in the Go tests, must
# parse in Mozilla's ical.js (the parser in Thunderbird) with no event left floating. Installs ical.js from npm into
# a temporary directory, so node_modules never lands in the repository. Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "icaljs.sh: $tool is not installed" >&2
    exit 1
  fi
done

dir=$(mktemp -d /tmp/docketd-icaljs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error ical.js >/dev/null)
echo "ical.js $(node -p "JSON.parse(require('fs').readFileSync('$dir/node_modules/ical.js/package.json')).version")"

shopt -s nullglob
golden=("$root"/feed/testdata/*.ics)
if [ ${#golden[@]} -eq 0 ]; then
  echo "icaljs.sh: no golden feeds under feed/testdata" >&2
  exit 1
fi
(cd "$dir" && DOCKETD_ICALJS_DIR="$dir" node "$root/feed/testdata/icaljs/check.mjs" "${golden[@]}")

# The Go tests write every feed they serve and export to files and run check.mjs over them when this is set.
DOCKETD_ICALJS_DIR="$dir" go test -count=1 -run 'Feed|Invite' ./cmd/docketd/
