#!/usr/bin/env bash
# Fuzz every parser: each `func FuzzX` in the repository runs for FUZZTIME (default 60s), one at a time, since Go
# fuzzes one target per invocation. The generated corpus stays in the Go build cache; only a crash writes
# testdata/fuzz/FuzzX/… (the input to keep as a regression seed). Fails if any target fails.
set -uo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=${GOFLAGS:--buildvcs=false}
fuzztime=${FUZZTIME:-60s}

targets=$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . | grep -v '/vendor/' |
  sed -E 's|^\./||; s|/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($| \1|' | sort -u)
if [ -z "$targets" ]; then
  echo "no fuzz targets found"
  exit 0
fi

passed=() failed=()
while read -r dir name; do
  printf '\n=== fuzz %s ./%s (%s)\n' "$name" "$dir" "$fuzztime"
  # Minimising a new interesting input may take -fuzzminimizetime, 60s by default: as long as the whole run. A target
  # once failed with "context deadline exceeded", no failing input, and its workers idle right after a new
  # interesting input. With minimisation bounded, it ends well inside the run.
  if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "./$dir"; then
    passed+=("$dir $name")
  else
    failed+=("$dir $name")
  fi
done <<< "$targets"

printf '\n=== fuzz summary: %d passed, %d failed\n' "${#passed[@]}" "${#failed[@]}"
for t in "${passed[@]}"; do echo "  ok    $t"; done
for t in "${failed[@]}"; do echo "  FAIL  $t"; done
[ "${#failed[@]}" -eq 0 ]
