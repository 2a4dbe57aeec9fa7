#!/usr/bin/env bash
# run.sh: the benchmarks. Runs every bench/*.sh in turn (make bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/wiki.sh "$here"/engine.sh "$here"/sandbox.sh "$here"/quiz.sh; do
    "$b"
done
