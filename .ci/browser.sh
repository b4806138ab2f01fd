#!/usr/bin/env bash
# Browser tier: the office's page (/office/) driven in a real browser, Debian's chromium headless through
# playwright-core. It builds docketd, starts the demo config with one [[staff]] entry (its hash made by `docketd staff
# hash` from piped stdin) and a stand-in for Twilio's API, then signs in, finds the demo family's row with its
# reminder states, marks a client's reply handled, applies a held sync, signs out, locks the account with five wrong
# passwords and checks that a form without its CSRF token is refused. Screenshots land in .ci/artifacts/browser.
# Installs chromium with apt (as root) when it is missing, and playwright-core from npm into a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export GOFLAGS=-buildvcs=false

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  chromium=$(command -v chromium)
fi
"$chromium" --version
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "browser.sh: $tool is not installed" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/docketd-browser.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
(cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error playwright-core >/dev/null)
echo "playwright-core $(node -p "require('$dir/node_modules/playwright-core/package.json').version")"

go build -o "$dir/docketd" ./cmd/docketd
shots="$root/.ci/artifacts/browser"
rm -rf "$shots" && mkdir -p "$shots"

port=$(( 20000 + RANDOM % 20000 ))
tport=$(( port + 1 ))
email="paralegal@frontera-legal.example"
password="browser tier password"
token="0123456789abcdef0123456789abcdef"
demo="$dir/demo"
mkdir -p "$demo/examples"
hash=$(printf '%s\n' "$password" | "$dir/docketd" staff hash)

# The demo config, on its own database and port, texting through the stand-in for Twilio, with one [[staff]] entry.
sed -e "s#url = \"sqlite:docketd-demo.db\"#url = \"sqlite:$demo/demo.db\"#" \
  -e "s#listen = \"127.0.0.1:8080\"#listen = \"127.0.0.1:$port\"#" \
  -e "s#public_url = \"http://localhost:8080\"#public_url = \"http://127.0.0.1:$port\"#" \
  -e 's#^provider = "log"   \# twilio | log.*#provider = "twilio"#' \
  -e 's#^rate = 1.0 .*#rate = 50.0#' \
  -e 's#^account_sid = "" .*#account_sid = "AC00000000000000000000000000000000"#' \
  -e "s#^auth_token = \"\" .*#auth_token = \"$token\"#" \
  -e 's#^from = "" .*#from = "+12145550199"#' \
  -e "s#^api_url = \"https://api.twilio.com\".*#api_url = \"http://127.0.0.1:$tport\"#" \
  config.example.toml > "$demo/docketd.toml"
printf '\n[[staff]]\nemail = "%s"\npassword_hash = "%s"\nname = "Pat Paralegal"\nlanguage = "en"\n' \
  "$email" "$hash" >> "$demo/docketd.toml"
# A second staff member reads the page in Spanish.
printf '\n[[staff]]\nemail = "lucia@frontera-legal.example"\npassword_hash = "%s"\nname = "Lucía"\nlanguage = "es"\n' \
  "$hash" >> "$demo/docketd.toml"

# Six hearings in six slots of the office's export; moving them all by a day is more than max_change: held.
docket() {
  echo "Event ID,A Number,Client,Phone,Language,Attorney,Hearing Date,Hearing Time,Court,Hearing Type,Judge,Medium"
  for i in 0 1 2 3 4 5; do
    printf 'EV-70%d,A301-555-00%d,"Client 00%d",,,,07/%02d/2028,9:00 AM,DAL,Individual,"Calendar, Judge",In Person\n' \
      "$i" "$i" "$i" $(( 3 + i + $1 ))
  done
}

node "$root/.ci/browser/twilio.mjs" "$tport" & pids+=($!)
docket 0 > "$demo/examples/docket.csv"
"$dir/docketd" check --config "$demo/docketd.toml" >/dev/null
"$dir/docketd" sync --config "$demo/docketd.toml" >/dev/null
# A week before the Mendoza family's hearing (8:30 on February 8, 2028, in Dallas): the 7-day texts go out.
"$dir/docketd" remind --config "$demo/docketd.toml" --now 2028-02-01T10:30:00-06:00 > "$demo/remind.log" 2>&1
docket 1 > "$demo/examples/docket.csv"
if "$dir/docketd" sync --config "$demo/docketd.toml" --source office-export > "$demo/sync.log" 2>&1; then
  echo "browser.sh: the moved docket was not held" >&2; cat "$demo/sync.log" >&2; exit 1
fi
grep -q HELD "$demo/sync.log" || { cat "$demo/sync.log" >&2; exit 1; }

DOCKETD_DRILL_NOW=2028-02-01T17:00:00Z "$dir/docketd" run --config "$demo/docketd.toml" > "$demo/run.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "browser.sh: the daemon is not ready" >&2; cat "$demo/run.log" >&2; exit 1; }

rc=0
DOCKETD_PLAYWRIGHT_DIR="$dir" CHROMIUM="$chromium" node "$root/.ci/browser/drive.mjs" "http://127.0.0.1:$port" \
  "$email" "$password" "$token" "$shots" || rc=$?
if [ "$rc" != 0 ]; then echo "--- daemon log"; tail -n 60 "$demo/run.log"; fi
grep -h "component=office" "$demo/run.log" | tail -n 20 || true
echo "screenshots: $shots"
exit "$rc"
