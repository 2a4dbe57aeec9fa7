#!/usr/bin/env bash
# sandbox.sh: end-to-end cost of sandbox runs (issue 4's benchmark): latency of a trivial
# snippet over HTTP and through `fa-learn run`, runs per second at concurrency 1/2/4/8, the
# start-up of a fresh `python3 -I -S -c pass` of the same CPython measured in the same run,
# and the memory of an idle run. Environment: BUILD (default build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-build}
[[ $build = /* ]] || build=$src/$build
bin=$build/server/fa-learn
python=$(dirname "$(tail -n 1 "$build/.python-config" 2>/dev/null || tail -n 1 "$src/build/.python-config")")/python3
tmp=$(mktemp -d)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
# One client drives every concurrency level here, so the per-client share must not limit it
# (builds from before that share ignore the variable).
FA_LEARN_SANDBOX_PER_CLIENT=64 "$bin" serve --port 0 --data "$tmp/data" --quiet >"$tmp/out" \
    2>"$tmp/err" &
server_pid=$!
for _ in $(seq 100); do [[ -s $tmp/out ]] && break; sleep 0.1; done
url=$(sed -nE 's|^fa-learn: serving (http://[^ ]+)/$|\1|p' "$tmp/out")
[[ -n $url ]] || { echo "bench: the server did not start"; cat "$tmp/err"; exit 1; }
# /metrics has it (builds from before /metrics: /healthz).
supervisor=$({ curl -sf "$url/metrics" || true; } | sed -nE 's/^fa_learn_sandbox_supervisor_pid ([0-9]+)$/\1/p')
[[ -n $supervisor ]] ||
    supervisor=$(curl -sf "$url/healthz" | sed -nE 's/.*"sandbox_pid":([0-9]+).*/\1/p')
[[ -n $supervisor ]] || { echo "bench: the sandbox is not running"; exit 1; }
echo "Sandbox runs, $(nproc) cores, fa-learn $("$bin" --version | cut -d' ' -f2)"
python3 "$here/sandbox_client.py" "$url" "$bin" "$python" "$supervisor"
