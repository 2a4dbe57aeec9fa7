#!/usr/bin/env bash
# engine_compare.sh: the default mode's overhead per allowed event against another build's
# engine, side by side in one run (issue 12: FastAudit's own rules must cost no more per
# allowed event than the engine before them). Counts instructions per iteration under
# valgrind's callgrind (a run with 2N iterations minus one with N), which other work on the
# machine cannot disturb, for bench/engine_workload.py's workloads with no hook ("none") and
# under `fastaudit.mk_audit([tmp])` ("engine": whatever that build's default mode is).
# Then, for the workloads with audit events, the instructions spent inside the engine's audit
# hook itself (callgrind's inclusive count), which the interpreter's layout does not move.
# Usage: BASE=/path/to/other/build [BUILD=build] [WORKLOADS="a b c"] [SEEDS="1 2 3"] \
#        [MALLOC=malloc] bench/engine_compare.sh
# Both builds run this tree's engine_workload.py. Each count is the median over SEEDS
# (PYTHONHASHSEED moves dict layouts, and with them a few hundred instructions).
# MALLOC=malloc runs every variant with PYTHONMALLOC=malloc: CPython's small-object allocator
# costs more or fewer instructions per allocation depending on how full its pools happen to
# be, which moves (c) (where the engine runs no code per call once its sites are disabled) by
# some 20 instructions per iteration from one build or environment to the next; the C
# library's allocator does not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-build}
[[ $build = /* ]] || build=$src/$build
base=${BASE:?BASE=the build folder of the engine to compare with}
workloads=${WORKLOADS:-a b c}
seeds=${SEEDS:-1 2 3}
malloc=${MALLOC:-}
command -v valgrind >/dev/null || { echo "bench: needs valgrind"; exit 1; }
for b in "$build" "$base"; do
    [[ -x $b/server/fa-learn ]] || { echo "bench: $b/server/fa-learn is missing"; exit 1; }
done
declare -A iters=([a]=250 [b]=125 [c]=2500 [d]=2500)

ir_run() { # binary workload mode iterations seed -> instructions of the whole run
    PYTHONHASHSEED=$5 env ${malloc:+PYTHONMALLOC=$malloc} \
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" python \
        "$here/engine_workload.py" --workload "$2" --mode "$3" --reps 1 --iters "$4" 2>&1 \
        >/dev/null | sed -nE 's/.*Collected : ([0-9]+).*/\1/p' || true
}
per_iteration() { # binary workload mode -> median instructions per iteration
    local n=${iters[$2]} seed ir1 ir2 per=()
    for seed in $seeds; do
        ir1=$(ir_run "$1" "$2" "$3" "$n" "$seed")
        ir2=$(ir_run "$1" "$2" "$3" $((2 * n)) "$seed")
        [[ -n $ir1 && -n $ir2 ]] || { echo "bench: callgrind failed: $1 $2/$3" >&2; return 1; }
        per+=("$(awk -v a="$ir1" -v b="$ir2" -v n="$n" 'BEGIN { printf "%.0f", (b - a) / (2 * n) }')")
    done
    printf '%s\n' "${per[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Instruction counts do not depend on other work, but the load is said all the same.
echo "machine: $(nproc) cores, load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "instructions per iteration (callgrind, median of seeds: $seeds${malloc:+, PYTHONMALLOC=$malloc}), this machine, one run"
echo "  this build: $build"
echo "  base build: $base"
printf '%-3s %14s %14s %14s %14s %12s\n' wl "none(this)" "engine(this)" "none(base)" \
    "engine(base)" "ovh ratio"
for w in $workloads; do
    tn=$(per_iteration "$build/server/fa-learn" "$w" none)
    te=$(per_iteration "$build/server/fa-learn" "$w" engine)
    bn=$(per_iteration "$base/server/fa-learn" "$w" none)
    be=$(per_iteration "$base/server/fa-learn" "$w" engine)
    awk -v w="$w" -v tn="$tn" -v te="$te" -v bn="$bn" -v be="$be" 'BEGIN {
        to = te - tn; bo = be - bn
        printf "%-3s %14d %14d %14d %14d %12s\n", w, tn, te, bn, be,
               (bo > 0 ? sprintf("%.3f", to / bo) : "n/a")
        printf "    overhead over none: this %+d, base %+d (target: this <= base: %s)\n",
               to, bo, to <= bo ? "met" : "NOT met" }'
done

# The difference with "none" above also holds how the engine's objects move the interpreter's
# dicts and allocator pools: a few hundred instructions either way, and more from one build of
# the binary to the next (its "none" moves too). Two counts that do not move so, taken from
# callgrind's inclusive counts per function: (1) the instructions in the engine's audit hook
# itself (the default mode's sbx_pa_fa_hook, an older build's audit_hook or fa_hook); (2) the
# whole audit path of every event, CPython's dispatch included (its entry points PySys_Audit,
# _PySys_Audit, PySys_AuditTuple and sys.audit): what a hook costs an allowed event in all,
# whether it is a C or a Python hook.
HOOK_FUNCTIONS='.*:(sbx_pa_fa_hook|fa_hook|audit_hook) '
AUDIT_PATH='.*sysmodule\.c:(PySys_Audit|_PySys_Audit|PySys_AuditTuple|sys_audit) '
inclusive_run() { # binary workload iterations seed pattern -> inclusive instructions
    local out
    out=$(mktemp)
    PYTHONHASHSEED=$4 env ${malloc:+PYTHONMALLOC=$malloc} \
        valgrind --tool=callgrind --callgrind-out-file="$out" "$1" python \
        "$here/engine_workload.py" --workload "$2" --mode engine --reps 1 --iters "$3" \
        >/dev/null 2>&1 || true
    callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$out" 2>/dev/null |
        sed -nE "s/^ *([0-9,]+) $5.*/\\1/p" | tr -d , | awk '{ s += $1 } END { print s + 0 }'
    rm -f "$out"
}
inclusive_per_iteration() { # binary workload pattern -> median per iteration
    local n=${iters[$2]} seed h1 h2 per=()
    for seed in $seeds; do
        h1=$(inclusive_run "$1" "$2" "$n" "$seed" "$3")
        h2=$(inclusive_run "$1" "$2" $((2 * n)) "$seed" "$3")
        per+=("$(awk -v a="$h1" -v b="$h2" -v n="$n" 'BEGIN { printf "%.0f", (b - a) / (2 * n) }')")
    done
    printf '%s\n' "${per[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
for measure in "the engine's audit hook:$HOOK_FUNCTIONS" "the audit path, CPython's dispatch included:$AUDIT_PATH"; do
    echo "instructions per iteration in ${measure%%:*} (inclusive)"
    printf '%-3s %14s %14s %12s\n' wl "this" "base" ratio
    for w in $workloads; do
        [[ $w = c ]] && continue # no audit event per iteration
        th=$(inclusive_per_iteration "$build/server/fa-learn" "$w" "${measure#*:}")
        bh=$(inclusive_per_iteration "$base/server/fa-learn" "$w" "${measure#*:}")
        awk -v w="$w" -v th="$th" -v bh="$bh" 'BEGIN {
            printf "%-3s %14d %14d %12s (target: this <= base: %s)\n", w, th, bh,
                   (bh > 0 ? sprintf("%.3f", th / bh) : "n/a"), th <= bh ? "met" : "NOT met" }'
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
