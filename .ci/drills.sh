#!/usr/bin/env bash
# Fault drills (SPEC §9): the daemon killed mid-dispatch, failing SMS and SMTP providers, broken sources, a locked
# or unreachable database. The tests build the daemon themselves; PostgreSQL is drilled when DOCKETD_TEST_POSTGRES
# is set. A failed drill keeps its database and daemon log in a temporary folder and says where.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=${GOFLAGS:--buildvcs=false}
DOCKETD_DRILLS=1 go test -count=1 -timeout 20m -parallel 8 -v ./drills/
