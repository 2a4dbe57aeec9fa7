"""Runs every tests/sandbox/cases/*.py through `fa-learn run --json` (the real supervisor,
jail and engine) and checks each against the expectations in its header:

    # args: --time-limit 1500           extra arguments for fa-learn run
    # expect: status=denied deny=open class=path-denied stdout=written limit=time (or file_size)
    #         signal=SIGSEGV exception=PermissionError|OSError allow=open
    #         min_monitor_callbacks=1000 max_sites_disabled=0   (counters)

Also checks that no run left a process behind and that nothing outside the scratch folders
changed (sentinel files). Usage: fa-learn python run_cases.py FA_LEARN_BINARY [CASE...]
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ESCAPES = ["/tmp/fa-learn-escape.txt", "/tmp/fa-learn-native-escape.txt"]


def header(path):
    args, expect = [], {}
    for line in path.read_text().splitlines():
        if line.startswith("# args:"):
            args += line.split(":", 1)[1].split()
        elif line.startswith("# expect:"):
            for item in line.split(":", 1)[1].split():
                key, value = item.split("=", 1)
                expect[key] = value
    return args, expect


def check(path, binary):
    args, expect = header(path)
    proc = subprocess.run([binary, "run", "--json", *args, str(path)],
                          capture_output=True, text=True, timeout=60)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        return [f"no JSON result (exit {proc.returncode}): {proc.stderr[-500:]}"]
    problems = []
    trace = result.get("trace", [])
    exc = result.get("exception") or {}
    jail = result.get("jail")
    # Every run that reported back says which layers held it.
    if result.get("status") != "crash" and result.get("limit") is None:
        if not jail or not (jail.get("seccomp") and jail.get("no_new_privs") and
                            jail.get("rlimits") and jail.get("landlock_abi", 0) > 0):
            problems.append(f"the jail's layers are not all reported on: {jail}")
    for key, want in expect.items():
        if key == "status" and result.get("status") != want:
            problems.append(f"status {result.get('status')!r}, want {want!r}")
        elif key == "limit" and result.get("limit") != want.replace("_", " "):
            problems.append(f"limit {result.get('limit')!r}, want {want!r}")
        elif key == "signal" and result.get("signal") != want:
            problems.append(f"signal {result.get('signal')!r}, want {want!r}")
        elif key == "stdout" and want not in result.get("stdout", ""):
            problems.append(f"stdout {result.get('stdout')[:200]!r} lacks {want!r}")
        elif key == "exception" and exc.get("type") not in want.split("|"):
            problems.append(f"exception {exc.get('type')!r}, want {want!r}")
        elif key in ("deny", "allow"):
            decision = "deny" if key == "deny" else "allow"
            if not any(e["event"] == want and e["decision"] == decision for e in trace):
                problems.append(f"no {decision} of {want} in the trace")
        elif key == "class" and not any(e["class"] == want for e in trace):
            problems.append(f"no {want} decision in the trace")
        elif key.startswith(("min_", "max_")):
            got = result.get("counters", {}).get(key[4:])
            if got is None or (got < int(want) if key.startswith("min_") else got > int(want)):
                problems.append(f"counter {key[4:]} = {got}, want {key[:3]} {want}")
    return problems


def leftover_processes(binary, case):
    """Processes of this case's run still alive: the command line of `fa-learn run` (which
    the supervisor and the jailed child inherit) names the case's file. Other tests may run
    other snippets at the same time, so only this case's are counted."""
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if f"{binary} run" in line and str(case) in line]


def main():
    binary = sys.argv[1]
    names = sys.argv[2:]
    cases = sorted(HERE.glob("cases/*.py"))
    if names:
        cases = [c for c in cases if c.stem in names]
    sentinel_dir = tempfile.mkdtemp(prefix="fa-learn-sentinel-")
    sentinel = pathlib.Path(sentinel_dir, "keep.txt")
    sentinel.write_text("unchanged")
    failures = not_run = 0
    for case in cases:
        if os.environ.get("FA_LEARN_ASAN") == "1" and "# needs: address-space-limit" in case.read_text():
            print(f"NOT RUN {case.stem}: an ASan build cannot limit address space")
            not_run += 1
            continue
        problems = check(case, binary)
        for path in ESCAPES:
            if os.path.exists(path):
                problems.append(f"{path} was created outside the scratch folder")
                os.remove(path)
        if sentinel.read_text() != "unchanged":
            problems.append("a sentinel file outside the scratch folder changed")
        left = leftover_processes(binary, case)
        if left:
            problems.append(f"processes left behind: {left}")
        print(f"{'ok  ' if not problems else 'FAIL'} {case.stem}")
        for p in problems:
            print(f"     {p}")
        failures += bool(problems)
    print(f"{len(cases)} cases, {failures} failed, {not_run} not run")
    return 1 if failures or len(cases) == not_run else 0


if __name__ == "__main__":
    sys.exit(main())
