#!/usr/bin/env bash
# Runs the libFuzzer targets of a Fuzz build for a bounded time each (fuzz/README.md), two at
# a time (one per core of the reference machine), and fails when any of them finds a crash,
# a leak, a timeout or a broken invariant.
# Usage: fuzz/run.sh FUZZ_BUILD SECONDS [TARGET...]   (default: every target)
# Each target reads its seeds from fuzz/corpus/<target>/ and keeps what it finds in
# FUZZ_BUILD/corpus/<target>/ (never in the checkout); a failing input is saved as
# FUZZ_BUILD/artifacts/<target>-crash-<sha1> and the target's log is FUZZ_BUILD/logs/<target>.log.
set -uo pipefail

build=${1:?usage: fuzz/run.sh FUZZ_BUILD SECONDS [TARGET...]}
seconds=${2:?usage: fuzz/run.sh FUZZ_BUILD SECONDS [TARGET...]}
shift 2
src=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(router quiz_form api_json quiz_bank markdown)
jobs=${FUZZ_JOBS:-2}

mkdir -p "$build/logs" "$build/artifacts" "$build/tmp"
run_one() { # $1: target
    local t=$1 bin=$build/fuzz/fuzz_$1
    local dict=()
    [[ -f $src/dict/$t.dict ]] && dict=(-dict="$src/dict/$t.dict")
    if [[ ! -x $bin ]]; then
        echo "fuzz: $bin is missing (run make fuzz-build)" >"$build/logs/$t.log"
        echo 1 >"$build/logs/$t.rc"
        return
    fi
    mkdir -p "$build/corpus/$t"
    # TMPDIR: fuzz_quiz_bank's scratch folder stays in the build folder even after a crash.
    # -timeout: no single input may take seconds in any of these parsers (a hang is a bug).
    TMPDIR=$build/tmp "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
        "${dict[@]+"${dict[@]}"}" "$build/corpus/$t" "$src/corpus/$t" >"$build/logs/$t.log" 2>&1
    echo $? >"$build/logs/$t.rc"
}

start=$SECONDS
failed=()
for t in "${targets[@]}"; do
    rm -f "$build/logs/$t.rc"
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n; done
    run_one "$t" &
done
wait
for t in "${targets[@]}"; do
    if [[ $(cat "$build/logs/$t.rc" 2>/dev/null) == 0 ]]; then
        stats=$(grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
                    "$build/logs/$t.log" | sed -E 's/^stat::([a-z_]+):[[:space:]]*/\1=/' | tr '\n' ' ')
        cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$build/logs/$t.log" | tail -n 1)
        echo "fuzz: $t ok: $cov $stats"
    else
        failed+=("$t")
        echo "fuzz: $t FAILED; the end of $build/logs/$t.log:"
        tail -n 40 "$build/logs/$t.log" | sed 's/^/    /'
    fi
done
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $((SECONDS - start)) s in all"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: failed: ${failed[*]} (reproduce: $build/fuzz/fuzz_TARGET $build/artifacts/TARGET-...)"
    exit 1
fi
