#!/usr/bin/env bash
# Fuzz every parser: each `func FuzzX` in the repository runs for FUZZTIME (default 2000x: 2,000 inputs past its
# corpus), one at a time, since Go
# fuzzes one target per invocation. Each target starts from the corpus kept in its package's testdata/fuzz/FuzzX/
# (the inputs earlier runs found interesting; `go test` also runs every one of them as a regression seed), so a short
# run explores from the coverage already reached instead of rediscovering it. New interesting inputs stay in the Go
# build cache; `bash .ci/fuzz.sh --keep` copies them into testdata/fuzz to keep. A crash writes its input to
# testdata/fuzz/FuzzX/ as well. Fails if any target fails.
set -uo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=${GOFLAGS:--buildvcs=false}
# A count, not a duration: with a duration, Go 1.26's fuzzing coordinator can report the end of the time itself as a
# failure ("context deadline exceeded", no failing input) when the deadline fires while its workers are busy
# (go.dev/issue/75804, fixed in Go 1.27); it failed two targets of twelve on a loaded machine. A count has no
# deadline to race. 2,000 inputs take 1–40 s a target here, after the corpus is replayed.
fuzztime=${FUZZTIME:-2000x}
keep=false
if [ "${1:-}" = --keep ]; then keep=true; fi

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

if $keep; then
  cache="$(go env GOCACHE)/fuzz/$(go list -m)"
  while read -r dir name; do
    [ -d "$cache/$dir/$name" ] || continue
    mkdir -p "$dir/testdata/fuzz/$name"
    cp -n "$cache/$dir/$name"/* "$dir/testdata/fuzz/$name/"
  done <<< "$targets"
  echo "kept the cache's corpus in testdata/fuzz: $(find . -path '*/testdata/fuzz/*' -type f | wc -l) inputs"
fi

printf '\n=== fuzz summary: %d passed, %d failed\n' "${#passed[@]}" "${#failed[@]}"
for t in "${passed[@]}"; do echo "  ok    $t"; done
for t in "${failed[@]}"; do echo "  FAIL  $t"; done
[ "${#failed[@]}" -eq 0 ]
