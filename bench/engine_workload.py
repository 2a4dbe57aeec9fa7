"""engine_workload.py: one variant of the FastAudit engine benchmark (issue 3, "Benchmark").

Runs one workload in one mode and prints the best time per iteration in nanoseconds (best of
--reps repetitions, time.perf_counter_ns, garbage collector off while timing). Audit hooks
cannot be removed, so bench/engine.sh starts a fresh interpreter for every variant:

    fa-learn python bench/engine_workload.py --mode MODE --workload W

Workloads (each in a fresh temporary folder, which is the engine's only allowed root):
  a  event-heavy reads: open(small file).read()            one `open` event per iteration
  b  path-checked writes in the root: open(p, 'w') + write, then os.remove(p)
  c  stdlib native calls: len, str.upper, math.sqrt, "x".join
  d  calls into labnative.checksum, a native module that is neither stdlib nor declared safe

Modes:
  none            no hook
  pyhook          an empty Python-level hook, sys.addaudithook(lambda e, a: None)
  engine          fastaudit.mk_audit([tmp]) with call monitoring on; for d, on_call returns
                  False, so every call into labnative is checked (and let through)
  engine-nomon    fastaudit.mk_audit([tmp], monitor_calls=False)
  engine-disable  (d only) on_call returns sys.monitoring.DISABLE: the call site is checked
                  once, then disabled
  engine-safe     (d only) labnative declared a safe-native prefix (a `fastaudit_safe_native`
                  entry point of a fake distribution in the temporary folder): the monitor
                  disables the site without asking on_call

Every mode runs the same code: one warm-up pass inside the context (under the engine this is
when the monitor answers DISABLE for stdlib call sites), then the timed repetitions, still in
the same context (entering a context calls restart_events(), which re-enables the sites).
Under the engine the script also checks that the engine did what the variant claims (context
active, sites disabled, on_call called per call or once per site) and exits 1 if not.
Exit status 2: bad arguments, or fastaudit/labnative not importable in this interpreter.
"""

import argparse
import contextlib
import gc
import math
import os
import shutil
import sys
import tempfile
import time

WORKLOADS = ("a", "b", "c", "d")
MODES = ("none", "pyhook", "engine", "engine-nomon", "engine-disable", "engine-safe")
# Iterations per repetition: each repetition takes some 5-50 ms without a hook here.
DEFAULT_ITERS = {"a": 2000, "b": 1000, "c": 50000, "d": 50000}


def work_a(n, path):
    for _ in range(n):
        with open(path) as f:
            f.read()


def work_b(n, folder):
    # A handful of names, so the folder stays small and every open creates a file.
    paths = [os.path.join(folder, f"w{i}.txt") for i in range(8)]
    for i in range(n):
        p = paths[i & 7]
        with open(p, "w") as f:
            f.write("fa-learn\n")
        os.remove(p)


def work_c(n, s="Hello, audit hooks", parts=("a", "b", "c"), x=2.0):
    for _ in range(n):
        len(s)
        s.upper()
        math.sqrt(x)
        "x".join(parts)


def work_d(n, labnative, data=b"fa-learn checksum"):
    for _ in range(n):
        labnative.checksum(data)


def fail(status, msg):
    print(f"engine_workload: {msg}", file=sys.stderr)
    sys.exit(status)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=MODES, required=True)
    ap.add_argument("--workload", choices=WORKLOADS, required=True)
    ap.add_argument("--reps", type=int, default=7, help="repetitions; the best is kept")
    ap.add_argument("--iters", type=int, help="iterations per repetition")
    ap.add_argument("--verbose", action="store_true",
                    help="also print the engine's counters on stderr")
    args = ap.parse_args(argv)
    if args.mode in ("engine-disable", "engine-safe") and args.workload != "d":
        ap.error(f"--mode {args.mode} applies to workload d only")
    if args.reps < 1 or (args.iters is not None and args.iters < 1):
        ap.error("--reps and --iters must be positive")
    if args.iters is None:
        args.iters = DEFAULT_ITERS[args.workload]
    return args


def make_context(mode, workload, tmp, on_call_count):
    """Installs the mode's hook and returns the context the workload runs in."""
    if mode == "none":
        return contextlib.nullcontext()
    if mode == "pyhook":
        sys.addaudithook(lambda e, a: None)
        return contextlib.nullcontext()
    try:
        import fastaudit
    except ImportError as e:
        fail(2, f"mode {mode} needs the engine ({e}); run under `fa-learn python`")
    if mode == "engine-safe":
        declare_safe_native(tmp, "labnative")
    kwargs = {}
    if mode == "engine-nomon":
        kwargs["monitor_calls"] = False
    elif workload == "d":
        verdict = sys.monitoring.DISABLE if mode == "engine-disable" else False

        def on_call(caller, callee, fn, code, offset, data, calls):
            on_call_count[0] += 1
            return verdict

        kwargs["on_call"] = on_call
    perms = fastaudit.mk_audit([tmp], **kwargs)
    return perms()


def declare_safe_native(tmp, prefix):
    """Declares prefix safe the way a deployment would: an installed distribution's
    `fastaudit_safe_native` entry point (the engine reads them at the first mk_audit)."""
    site = os.path.join(tmp, "site")
    dist_info = os.path.join(site, "fa_bench_safe-1.0.dist-info")
    os.makedirs(dist_info)
    with open(os.path.join(dist_info, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: fa-bench-safe\nVersion: 1.0\n")
    with open(os.path.join(dist_info, "entry_points.txt"), "w") as f:
        f.write(f"[fastaudit_safe_native]\n{prefix} = {prefix}\n")
    sys.path.insert(0, site)


def check_engine(mode, workload, iters, reps, on_call_count):
    """Fails unless the engine did what this variant claims to measure."""
    import fastaudit
    state = fastaudit.audit_state()
    if not state.get("active"):
        fail(1, f"{mode}: no FastAudit context is active inside `with perms()`")
    want_monitor = mode != "engine-nomon"
    if bool(state.get("monitor_on")) != want_monitor:
        fail(1, f"{mode}: monitor_on is {state.get('monitor_on')!r}")
    counters = fastaudit.counters() if hasattr(fastaudit, "counters") else {}
    if mode == "engine" and workload in "abc" and counters.get("sites_disabled", 1) == 0:
        fail(1, "engine: no call site was disabled during the warm-up")
    calls = (reps + 1) * iters
    if workload == "d" and mode == "engine" and on_call_count[0] < calls:
        fail(1, f"engine: on_call ran {on_call_count[0]} times for {calls} calls")
    if workload == "d" and mode == "engine-disable" and on_call_count[0] > 10:
        fail(1, f"engine-disable: on_call ran {on_call_count[0]} times, the site stayed on")
    if mode == "engine-safe":
        if "labnative" not in state.get("safe_native", ()):
            fail(1, f"engine-safe: labnative is not a safe-native prefix: {state!r}")
        if on_call_count[0] or counters.get("native_calls"):
            fail(1, f"engine-safe: labnative calls were still reported ({on_call_count[0]})")
    return counters


def main(argv):
    args = parse_args(argv)
    labnative = None
    if args.workload == "d":
        try:
            import labnative
        except ImportError as e:
            fail(2, f"workload d needs labnative ({e}); run under `fa-learn python`")

    tmp = os.path.realpath(tempfile.mkdtemp(prefix="fa-bench-engine-"))
    try:
        small = os.path.join(tmp, "small.txt")
        with open(small, "w") as f:
            f.write("a small file, read again and again\n")
        run = {
            "a": lambda n: work_a(n, small),
            "b": lambda n: work_b(n, tmp),
            "c": lambda n: work_c(n),
            "d": lambda n: work_d(n, labnative),
        }[args.workload]
        on_call_count = [0]
        ctx = make_context(args.mode, args.workload, tmp, on_call_count)
        perf = time.perf_counter_ns
        best = None
        with ctx:
            run(args.iters)
            gc.disable()
            for _ in range(args.reps):
                t0 = perf()
                run(args.iters)
                elapsed = perf() - t0
                best = elapsed if best is None or elapsed < best else best
            gc.enable()
            if args.mode.startswith("engine"):
                counters = check_engine(args.mode, args.workload, args.iters, args.reps,
                                        on_call_count)
                if args.verbose:
                    print(f"engine counters: {counters}, on_call: {on_call_count[0]}",
                          file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{best / args.iters:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
