#!/usr/bin/env bash
# test_cli.sh: the fa-learn command line: help, version, flags, environment mirrors, and one
# clear line plus a non-zero exit for each kind of bad input.
# Usage: test_cli.sh FA_LEARN_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
checks=0

. "$(dirname "$0")/../expect.sh"
. "$src/scripts/serve-url.sh"

common=(--content "$src/content" --static "$src/static" --data "$tmp/data")

expect 0 '^fa-learn [0-9]+\.[0-9]+\.[0-9]+(-[0-9]+)?(-g[0-9a-f]+)?(-dirty)?$' -- "$bin" --version
expect 0 'serve +run the course site' -- "$bin" --help
expect 2 'Usage: fa-learn COMMAND' -- "$bin"
expect 0 '--port N' -- "$bin" help serve
expect 0 '--threads N' -- "$bin" serve --help
expect 0 'exactly as .python3 ARGS' -- "$bin" help python
expect 2 "unknown command 'bogus'" -- "$bin" bogus
expect 2 "unknown command 'bogus'" -- "$bin" help bogus
expect 2 "unknown option '--bogus'" -- "$bin" serve --bogus
expect 2 "option '--port' needs a value" -- "$bin" serve --port
expect 2 "port '99999' is not a number from 0 to 65535" -- "$bin" serve --port 99999
expect 2 "port '12ab' is not a number" -- "$bin" serve --port=12ab
expect 2 "threads '0' is not a number from 1 to 64" -- "$bin" serve --threads 0
expect 2 "port 'abc' is not a number" -- env FA_LEARN_PORT=abc "$bin" serve
expect 1 'cannot read content folder .*/missing' -- "$bin" serve "${common[@]}" --content "$tmp/missing"
expect 1 'cannot create data folder /proc/fa-learn-test' -- "$bin" serve "${common[@]}" --data /proc/fa-learn-test/x
expect 1 "cannot use host 'no such host'" -- "$bin" serve "${common[@]}" --host 'no such host'

# Issue 16: one run-options validator; the command line's limits are the HTTP API's
# (100-10000 ms, module-name prefixes), and FA_LEARN_TIME_LIMIT, documented in the usage,
# is the default limit.
printf 'print("ok")\n' >"$tmp/ok.py"
printf 'import time\ntime.sleep(3)\n' >"$tmp/slow.py"
expect 2 "time limit '50' is not a number from 100 to 10000" -- "$bin" run --time-limit 50 "$tmp/ok.py"
expect 2 "safe-native prefix 'os; rm' is not a module name" -- "$bin" run --safe-native 'os; rm' "$tmp/ok.py"
expect 2 "unknown preset 'lax' \(fastaudit, hardened, hook-only, strict\)" -- "$bin" run --preset lax "$tmp/ok.py"
expect 2 "FA_LEARN_TIME_LIMIT 'soon' is not a number from 100 to 10000" -- env FA_LEARN_TIME_LIMIT=soon "$bin" run "$tmp/ok.py"
expect 0 '^ok$' -- env FA_LEARN_TIME_LIMIT=300 "$bin" run "$tmp/ok.py"
expect 4 'stopped by a limit: time' -- env FA_LEARN_TIME_LIMIT=300 "$bin" run "$tmp/slow.py"
expect 0 '^ok$' -- env FA_LEARN_TIME_LIMIT=300 "$bin" run --time-limit 5000 "$tmp/ok.py"

# A port in use: start one server on a free port, then ask a second for the same port.
serve_url "$tmp" url "$bin" serve "${common[@]}" --port 0 --quiet 2>"$tmp/err"
port=$(sed -nE 's|^http://[0-9.]+:([0-9]+)$|\1|p' <<<"$url")
checks=$((checks + 1))
if [[ -z $port ]]; then
    failures=$((failures + 1))
    echo "FAILED: --port 0 did not print its URL: $(cat "$tmp/err")"
else
    expect 1 "port $port: the port is already in use" -- "$bin" serve "${common[@]}" --port "$port"
    # The environment mirror picks the same port, and a flag wins over it.
    expect 1 "port $port: the port is already in use" -- env FA_LEARN_PORT="$port" "$bin" serve "${common[@]}"
fi
kill -TERM $server_pid
wait $server_pid

# The default data folder is relative (./fa-learn-data): runs must still get their folder.
serve_url "$tmp" url env -C "$tmp" "$bin" serve --content "$src/content" --static "$src/static" \
    --port 0 --quiet 2>"$tmp/err2"
checks=$((checks + 1))
answer=$(curl -s -H 'Content-Type: application/json' -d '{"code": "print(6 * 7)"}' "$url/api/run")
if ! grep -q '"status":"ok"' <<<"$answer" || ! grep -q '"stdout":"42' <<<"$answer"; then
    failures=$((failures + 1))
    echo "FAILED: a run with a relative data folder: $answer"
fi
kill -TERM $server_pid
wait $server_pid
status=$?
checks=$((checks + 1))
[[ $status -eq 0 ]] || { failures=$((failures + 1)); echo "FAILED: SIGTERM exit status $status"; }
checks=$((checks + 1))
[[ -d $tmp/data ]] || { failures=$((failures + 1)); echo "FAILED: data folder was not created"; }

echo "$checks checks, $failures failed"
[[ $failures -eq 0 ]]
