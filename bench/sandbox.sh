#!/usr/bin/env bash
# sandbox.sh: end-to-end cost of sandbox runs (issue 4's benchmark): latency of a trivial
# snippet over HTTP and through `fa-learn run`, runs per second at concurrency 1/2/4/8, the
# start-up of a fresh `python3 -I -S -c pass` of the same CPython measured in the same run,
# and the memory of an idle run. Environment: BUILD (default build).
set -euo pipefail
source "$(dirname "$0")/serve.sh"
python=$(dirname "$(tail -n 1 "$build/.python-config" 2>/dev/null || tail -n 1 "$src/build/.python-config")")/python3
# One client drives every concurrency level here, so the per-client share must not limit it
# (builds from before that share ignore the variable).
FA_LEARN_SANDBOX_PER_CLIENT=64 bench_serve
# /metrics has it (builds from before /metrics: /healthz).
supervisor=$({ curl -sf "$url/metrics" || true; } | sed -nE 's/^fa_learn_sandbox_supervisor_pid ([0-9]+)$/\1/p')
[[ -n $supervisor ]] ||
    supervisor=$(curl -sf "$url/healthz" | sed -nE 's/.*"sandbox_pid":([0-9]+).*/\1/p')
[[ -n $supervisor ]] || { echo "bench: the sandbox is not running"; exit 1; }
echo "Sandbox runs, $(nproc) cores, fa-learn $("$bin" --version | cut -d' ' -f2)"
python3 "$here/sandbox_client.py" "$url" "$bin" "$python" "$supervisor"
