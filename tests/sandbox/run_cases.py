"""Runs every tests/sandbox/cases/*.py through `fa-learn run --json` (the real supervisor,
jail and engine), or with --http through a real `fa-learn serve` (POST /api/run) while a
second client keeps reading wiki pages, and checks each against its header:

    # args: --time-limit 1500           extra arguments for fa-learn run
    # expect: status=denied deny=open class=path-denied stdout=written limit=time (or file_size)
    #         signal=SIGSEGV exception=PermissionError|OSError allow=open
    #         min_monitor_callbacks=1000 max_sites_disabled=0   (counters)
    #         note=shutil.rmtree,fastaudit.call   (a row of each event says the other rule set
#         disagrees)

Also checks that no result shows the folder of the runs' scratch folders (learners see neutral
paths), that no run left a process behind and that nothing outside the scratch folders
changed (sentinel files; over HTTP also one in the server's data folder); over HTTP, that
after each case the server and the same supervisor are alive, an ordinary run succeeds and
every wiki page read meanwhile was answered in full.
Usage: fa-learn python run_cases.py [--http] FA_LEARN_BINARY [CASE...]
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ESCAPES = ["/tmp/fa-learn-escape.txt", "/tmp/fa-learn-native-escape.txt"]


# The keys judge() understands; min_/max_ take a counter's name.
EXPECT_KEYS = {"status", "limit", "signal", "stdout", "exception", "deny", "allow", "class",
               "note"}


def expect_key_problem(key):
    """Why key is not an expectation judge() checks, or None (issue 16: a misspelt key used
    to be skipped, so its case passed without checking anything)."""
    if key in EXPECT_KEYS or (key.startswith(("min_", "max_")) and len(key) > 4):
        return None
    return f"unknown expect key {key!r} (known: {', '.join(sorted(EXPECT_KEYS))}, min_*, max_*)"


def header(path):
    """The case's args, its expectations, and what is wrong with its header: a case without an
    `# expect:` line, or with an item that is not key=value of a known key, would check
    nothing and pass by accident, so it is refused."""
    args, expect, problems = [], {}, []
    for line in path.read_text().splitlines():
        if line.startswith("# args:"):
            args += line.split(":", 1)[1].split()
        elif line.startswith("# expect:"):
            items = line.split(":", 1)[1].split()
            if not items:
                problems.append("an empty # expect: line")
            for item in items:
                key, eq, value = item.partition("=")
                if not eq or not value:
                    problems.append(f"expect item {item!r} is not key=value")
                elif expect_key_problem(key):
                    problems.append(expect_key_problem(key))
                else:
                    expect[key] = value
    if "# expect:" not in path.read_text():
        problems.append("no # expect: line: the case would check nothing")
    return args, expect, problems


def cli_runner(binary):
    """Runs a case with `fa-learn run --json`: the result, or what went wrong as text."""
    def run(path, args):
        proc = subprocess.run([binary, "run", "--json", *args, str(path)],
                              capture_output=True, text=True, timeout=60)
        try:
            return json.loads(proc.stdout)
        except ValueError:
            return f"no JSON result (exit {proc.returncode}): {proc.stderr[-500:]}"
    return run


def request_of(code, args):
    """The POST /api/run body with the options that args give to `fa-learn run`."""
    body = {"code": code}
    for i, arg in enumerate(args):
        value = args[i + 1] if i + 1 < len(args) else None
        if arg == "--no-monitoring":
            body["monitoring"] = False
        elif arg == "--no-disable":
            body["disable"] = False
        elif arg == "--preset":
            body["preset"] = value
        elif arg == "--safe-native":
            body["safe_native"] = [value]
        elif arg == "--time-limit":
            body["time_limit_ms"] = int(value)
    return body


def post_run(url, body):
    req = urllib.request.Request(url + "/api/run", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)
    except (urllib.error.URLError, ValueError, OSError) as e:
        return f"POST /api/run failed: {e}"


def runs_folder(data=None):
    """The folder that holds the runs' scratch folders, resolved: the server's DATA/runs, or
    `fa-learn run`'s $TMPDIR/fa-learn-runs."""
    if data:
        return os.path.join(os.path.realpath(data), "runs")
    return os.path.join(os.path.realpath(os.environ.get("TMPDIR") or "/tmp"), "fa-learn-runs")


def leaks(result, runs=None):
    """Learners see neutral paths (/sandbox, /python), never the server's own folders: the
    places where a result shows the runs folder (`fa-learn run`'s by default)."""
    runs = runs or runs_folder()
    shown = json.dumps(result, ensure_ascii=False)
    at = shown.find(runs)
    return [] if at < 0 else [f"the result shows the server's runs folder: "
                              f"{shown[max(0, at - 80):at + 120]!r}"]


def check(path, run, runs=None):
    """What is wrong with a case's run (runs: as for leaks())."""
    args, expect, problems = header(path)
    if problems:
        return problems
    result = run(path, args)
    if isinstance(result, str):
        return [result]
    return judge(result, expect) + leaks(result, runs)


def judge(result, expect):
    """What in a run's result (the JSON of `fa-learn run --json`) differs from expect, a dict
    of the `# expect:` keys; also used for the wiki's runnable examples."""
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
        elif key == "note":
            for event in want.split(","):
                if not any(e["event"] == event and e.get("note") for e in trace):
                    problems.append(f"no row of {event} with a FastAudit-vs-hardened note")
        elif key.startswith(("min_", "max_")):
            got = result.get("counters", {}).get(key[4:])
            if got is None or (got < int(want) if key.startswith("min_") else got > int(want)):
                problems.append(f"counter {key[4:]} = {got}, want {key[:3]} {want}")
        elif expect_key_problem(key):
            problems.append(expect_key_problem(key))
    return problems


def leftover_processes(binary, case):
    """Processes of this case's run still alive: the command line of `fa-learn run` (which
    the supervisor and the jailed child inherit) names the case's file. Other tests may run
    other snippets at the same time, so only this case's are counted; a run killed at its
    end gets three seconds to be gone."""
    for _ in range(30):  # a killed run may take a moment to be gone
        out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
        left = [line for line in out.splitlines() if f"{binary} run" in line and str(case) in line]
        if not left:
            break
        time.sleep(0.1)
    return left


class Server:
    """`fa-learn serve` on a loopback port with a client that keeps reading wiki pages."""

    def __init__(self, binary, data):
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--data", data, "--quiet"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.url = line.split("serving ", 1)[1].strip().rstrip("/")
        self.supervisor = self.supervisor_pid()
        self.pages_read, self.page_failures = 0, []
        self.stopping = threading.Event()
        self.reader = threading.Thread(target=self.read_pages)
        self.reader.start()

    def supervisor_pid(self):
        """The supervisor's pid from /metrics (loopback may read it), None while it is down."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as resp:
            text = resp.read().decode()
        found = re.search(r"^fa_learn_sandbox_supervisor_pid (\d+)$", text, re.M)
        return int(found.group(1)) or None if found else None

    def read_pages(self):
        while not self.stopping.is_set():
            for page in ("/", "/wiki", "/sandbox"):
                try:
                    with urllib.request.urlopen(self.url + page, timeout=10) as resp:
                        body = resp.read()
                    if resp.status != 200 or not body.rstrip().endswith(b"</html>"):
                        self.page_failures.append(f"{page}: status {resp.status}")
                    self.pages_read += 1
                except (urllib.error.URLError, OSError) as e:
                    self.page_failures.append(f"{page}: {e}")
                time.sleep(0.005)

    def run(self, path, args):
        return post_run(self.url, request_of(path.read_text(), args))

    def after_case(self):
        """What must hold once a case is over."""
        problems = []
        if self.proc.poll() is not None:
            return ["the server died"]
        if self.supervisor_pid() != self.supervisor:
            problems.append("the supervisor was replaced (it died)")
        ordinary = post_run(self.url, {"code": "print(6 * 7)"})
        if isinstance(ordinary, str) or ordinary.get("stdout") != "42\n":
            problems.append(f"an ordinary run after it failed: {ordinary}")
        # Only ready (spare) children may remain under the supervisor once runs are reaped.
        for _ in range(50):
            extra = [p for p in children(self.supervisor) if not is_spare(p)]
            if not extra:
                break
            time.sleep(0.1)
        else:
            problems.append(f"processes of the run left behind: {extra}")
        if self.page_failures:
            problems.append(f"wiki pages failed meanwhile: {self.page_failures[:3]}")
            self.page_failures.clear()
        return problems

    def check_fresh_randomness(self):
        """Runs forked from one warm supervisor must not share random's sequence."""
        code = "import random\nprint(random.getrandbits(64))"
        seen = {post_run(self.url, {"code": code}).get("stdout") for _ in range(3)}
        return [] if len(seen) == 3 and None not in seen else [f"runs repeat random: {seen}"]

    def stop(self):
        self.stopping.set()
        self.reader.join()
        self.proc.terminate()
        self.proc.wait(timeout=30)


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if entry.isdigit() and int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return out


def is_spare(pid):
    """A ready child waits for its request in a read of fd 4 and has no children."""
    try:
        with open(f"/proc/{pid}/wchan") as f:
            waiting = "pipe_read" in f.read()
        return waiting and not children(pid)
    except OSError:
        return True  # already gone


def main():
    http = "--http" in sys.argv[1:]
    argv = [a for a in sys.argv[1:] if a != "--http"]
    binary = argv[0]
    names = argv[1:]
    cases = sorted(HERE.glob("cases/*.py"))
    if names:
        cases = [c for c in cases if c.stem in names]
    sentinel_dir = tempfile.mkdtemp(prefix="fa-learn-sentinel-")
    sentinel = pathlib.Path(sentinel_dir, "keep.txt")
    sentinel.write_text("unchanged")
    server = None
    if http:
        server = Server(binary, os.path.join(sentinel_dir, "data"))
        data_sentinel = pathlib.Path(sentinel_dir, "data", "keep.txt")
        data_sentinel.write_text("unchanged")
    failures = not_run = 0
    for case in cases:
        if os.environ.get("FA_LEARN_ASAN") == "1" and "# needs: address-space-limit" in case.read_text():
            print(f"NOT RUN {case.stem}: an ASan build cannot limit address space")
            not_run += 1
            continue
        problems = check(case, server.run if server else cli_runner(binary),
                         runs_folder(os.path.join(sentinel_dir, "data") if server else None))
        for path in ESCAPES:
            if os.path.exists(path):
                problems.append(f"{path} was created outside the scratch folder")
                os.remove(path)
        if sentinel.read_text() != "unchanged":
            problems.append("a sentinel file outside the scratch folder changed")
        if server:
            problems += server.after_case()
            if data_sentinel.read_text() != "unchanged" or len(list(data_sentinel.parent.glob("fa-learn-owned*"))):
                problems.append("the server's data folder changed")
        else:
            left = leftover_processes(binary, case)
            if left:
                problems.append(f"processes left behind: {left}")
        print(f"{'ok  ' if not problems else 'FAIL'} {case.stem}")
        for p in problems:
            print(f"     {p}")
        failures += bool(problems)
    if server:
        for problem in server.check_fresh_randomness():
            print(f"FAIL {problem}")
            failures += 1
        server.stop()
        print(f"{server.pages_read} wiki pages read alongside")
        if not server.pages_read:
            failures += 1
    print(f"{len(cases)} cases, {failures} failed, {not_run} not run")
    return 1 if failures or len(cases) == not_run else 0


if __name__ == "__main__":
    sys.exit(main())
