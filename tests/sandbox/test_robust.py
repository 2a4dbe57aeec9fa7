"""The sandbox fit for a class (issue 10): no learner can break a run, the sandbox or the site
for anyone else, and crashed or timed-out runs keep what they did. Each test starts a real
`fa-learn serve` on a loopback port and speaks HTTP to it; while a hostile run goes, a second
client's run is in flight and must get its own, correct result, and the supervisor must be
the same process afterwards.

Usage: fa-learn python test_robust.py FA_LEARN_BINARY TEST
TEST: forge | output | bigframe | survive | env | share | disk | lifecycle | deadline"""
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

# The shared harness: tests/checks.py.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from checks import check, finish, until  # noqa: E402

class Server:
    def __init__(self, binary, data, *flags, env=None):
        self.data = data
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--data", data, "--quiet",
                                      *flags], stdout=subprocess.PIPE, text=True,
                                     env=env if env is not None else os.environ)
        line = self.proc.stdout.readline()
        if "serving " not in line:
            raise SystemExit(f"the server did not start: {line!r}")
        self.host, port = line.split("serving http://", 1)[1].strip().rstrip("/").rsplit(":", 1)
        self.port = int(port)

    def request(self, method, path, body=None, source="127.0.0.1", timeout=60):
        """(status, headers, parsed JSON or text); a connection error is (0, {}, message)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=(source, 0))
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, data, {"Content-Type": "application/json"} if data else {})
            resp = conn.getresponse()
            text = resp.read().decode()
            try:
                value = json.loads(text)
            except ValueError:
                value = text
            return resp.status, dict(resp.getheaders()), value
        except OSError as e:
            return 0, {}, f"{type(e).__name__}: {e}"
        finally:
            conn.close()

    def run(self, code, source="127.0.0.1", **options):
        return self.request("POST", "/api/run", {"code": code, **options}, source)

    def supervisor_pid(self):
        """From /metrics (loopback may read it): None while the sandbox is down."""
        status, _, text = self.request("GET", "/metrics")
        found = re.search(r"^fa_learn_sandbox_supervisor_pid (\d+)$", text, re.M) \
            if status == 200 and isinstance(text, str) else None
        return int(found.group(1)) or None if found else None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            check(False, "the server did not stop within 30 s of SIGTERM")


class InFlight(threading.Thread):
    """A second learner's run, going while the hostile one does: it must get its own result."""
    CODE = "import time\nt = time.monotonic()\nwhile time.monotonic() - t < {s}: pass\nprint('mine', {n})\n"

    def __init__(self, server, n, seconds=1.0, source="127.0.0.1"):
        super().__init__(daemon=True)
        self.server, self.n, self.source = server, n, source
        self.code = self.CODE.format(s=seconds, n=n)
        self.answer = None

    def run(self):
        self.answer = self.server.run(self.code, self.source)

    def verify(self, what):
        self.join(60)
        status, _, result = self.answer or (0, {}, "no answer")
        check(status == 200 and isinstance(result, dict) and
              result.get("stdout") == f"mine {self.n}\n" and result.get("status") == "ok",
              f"{what}: the other learner's run got {status} {str(result)[:300]}")


def hostile(server, code, what, **options):
    """Runs code with another learner's run in flight; returns the hostile run's answer."""
    pid = server.supervisor_pid()
    other = InFlight(server, hash(what) % 1000)
    other.start()
    answer = server.run(code, **options)
    other.verify(what)
    check(server.supervisor_pid() == pid, f"{what}: the supervisor was replaced")
    return answer


def test_forge(binary, tmp):
    """Item 1: a snippet writes a result frame naming the next run's id on fd 3 (the old
    result descriptor). The next learner must get their own output; the attacker its own."""
    server = Server(binary, tmp, "--sandbox-workers", "2")
    try:
        forged = {"id": 0, "status": "ok", "stdout": "forged\n", "trace": [], "counters": {}}
        attack = (
            "import json, os\n"
            "for fd in range(3, 12):\n"
            "    for victim in range(1, 8):\n"
            f"        body = json.dumps(dict({forged!r}, id=victim)).encode()\n"
            "        try:\n"
            "            os.write(fd, len(body).to_bytes(4, 'big') + body)\n"
            "            print('wrote', fd, flush=True)\n"
            "        except OSError as e:\n"
            "            pass\n"
            "print('attacker done', flush=True)\n"
            "os._exit(0)\n")
        answers = {}

        def attacker():
            answers["attacker"] = server.run(attack)

        pid = server.supervisor_pid()
        # The victim's run first, going (its own file says so) before the attacker starts:
        # the forged frames then name a request that is really in flight.
        victim = InFlight(server, 7, seconds=3.0)
        victim.code = "open('started', 'w').close()\n" + victim.code
        victim.start()
        until(lambda: started_runs(server), "the victim's run")
        t = threading.Thread(target=attacker, daemon=True)
        t.start()
        victim.verify("forged frame")
        t.join(60)
        status, _, result = answers.get("attacker", (0, {}, "no answer"))
        check(status == 200 and isinstance(result, dict) and
              "attacker done" in result.get("stdout", "") and
              "forged" not in result.get("stdout", ""),
              f"the attacker did not get its own result: {status} {str(result)[:300]}")
        check(server.supervisor_pid() == pid, "the supervisor was replaced")
        # The run's own report cannot be forged either: whatever the snippet writes into its
        # own process, the supervisor's fields (status, limit, duration) stay its own.
        status, _, result = server.run(
            "import time\nprint('x', flush=True)\nwhile True: pass\n", time_limit_ms=500)
        check(status == 200 and result.get("status") == "limit" and result.get("limit") == "time",
              f"a timed-out run is not reported as such: {str(result)[:300]}")
    finally:
        server.stop()


def test_output(binary, tmp):
    """Item 2: output and exception text that JSON cannot hold as given still get an answer."""
    server = Server(binary, tmp)
    try:
        cases = [
            ("print('€' * 30000)", lambda r: r["stdout"].startswith("€" * 1000) and
             r["stdout_truncated"] and set(r["stdout"]) == {"€"}, "a cap inside a character"),
            ("import sys\nsys.stdout.buffer.write(b'ok\\xff\\xfe!')\n",
             lambda r: r["stdout"] == "ok\ufffd\ufffd!" and r.get("stdout_invalid_utf8") is True,
             "bytes that are not UTF-8"),
            ("print('a\\x00b')", lambda r: r["stdout"] == "a\x00b\n", "a NUL byte"),
            ("import sys\nsys.stderr.buffer.write(b'\\xe2\\x82')\n",
             lambda r: r["stderr"] == "\ufffd" and r.get("stderr_invalid_utf8") is True,
             "a cut character at the end of stderr"),
            ("raise ValueError('x' + 'é' * 3000)",
             lambda r: r["exception"]["type"] == "ValueError" and
             r["exception"]["message"].startswith("xé") and r["status"] == "error",
             "an exception message cut inside a character"),
            ("x = 1 / 0  # " + "é" * 300 + "\n",
             lambda r: r["exception"]["type"] == "ZeroDivisionError" and
             r["exception"]["traceback"][0]["text"].startswith("x = 1 / 0") and r["status"] == "error",
             "a traceback line cut inside a character"),
            ("class E(Exception):\n    def __str__(self): return 'bad \\udcff surrogate'\nraise E()\n",
             lambda r: r["exception"]["type"] == "E" and r["status"] == "error",
             "an exception whose text cannot be encoded"),
        ]
        for code, ok, what in cases:
            status, _, result = hostile(server, code, what)
            good = status == 200 and isinstance(result, dict)
            try:
                good = good and ok(result)
            except (KeyError, TypeError, IndexError):
                good = False
            check(good, f"{what}: {status} {str(result)[:300]}")
    finally:
        server.stop()


def test_bigframe(binary, tmp):
    """Item 2: a report that would pass the server's frame limit (a 50-frame traceback of a
    76 kB function name, 64 KiB of control characters) is that run's answer, cut down, and
    not the sandbox's death."""
    server = Server(binary, tmp)
    try:
        code = ("import sys, types\n"
                "sys.setrecursionlimit(200)\n"
                "def f(n):\n"
                "    if n:\n"
                "        return h(n - 1)\n"
                "    1 / 0\n"
                "h = types.FunctionType(f.__code__.replace(co_name='g' * 76000), globals())\n"
                "sys.stdout.write('\\x01' * 65536)\n"
                "sys.stderr.write('\\x02' * 65536)\n"
                "h(60)\n")
        status, _, result = hostile(server, code, "an oversized report")
        check(status == 200 and isinstance(result, dict) and
              result.get("exception", {}).get("type") == "ZeroDivisionError",
              f"the oversized report got no answer of its own: {status} {str(result)[:300]}")
        if isinstance(result, dict):
            frames = result.get("exception", {}).get("traceback", [])
            check(frames and all(len(f["function"]) <= 1000 for f in frames),
                  "function names in the traceback are not bounded")
            check(len(json.dumps(result)) < 4 * 1024 * 1024, "the answer is larger than 4 MiB")
    finally:
        server.stop()


def test_survive(binary, tmp):
    """Item 3: a run killed at its time limit, or crashing, keeps its output, trace and
    counters."""
    server = Server(binary, tmp)
    try:
        status, _, r = server.run(
            "print('before the loop')\nimport os\nos.listdir('.')\nwhile True:\n    pass\n",
            time_limit_ms=1000)
        check(status == 200 and r.get("status") == "limit" and r.get("limit") == "time",
              f"loop: not reported as a time limit: {str(r)[:300]}")
        check(r.get("stdout") == "before the loop\n", f"loop: the output is lost: {r.get('stdout')!r}")
        check(any(e["event"] == "os.listdir" for e in r.get("trace", [])),
              f"loop: the trace is lost: {r.get('trace')}")
        check(r.get("counters", {}).get("events", 0) >= 1, f"loop: counters lost: {r.get('counters')}")
        check("time limit" in (r.get("note") or ""), f"loop: no note says what ended it: {r.get('note')!r}")

        status, _, r = server.run(
            "import os\nprint('one')\nos.listdir('.')\n"
            "try:\n    open('/etc/fa-learn-nowhere', 'w')\nexcept PermissionError:\n    print('two')\n"
            "import ctypes\nctypes.memmove(0, 1, 16)\n")
        trace = r.get("trace", [])
        counters = r.get("counters", {})
        check(status == 200 and r.get("status") == "crash" and r.get("signal") == "SIGSEGV",
              f"segfault: not reported as a crash: {str(r)[:300]}")
        check(r.get("stdout") == "one\ntwo\n", f"segfault: the output is lost: {r.get('stdout')!r}")
        check(any(e["event"] == "open" and e["decision"] == "deny" for e in trace),
              f"segfault: the denial is not in the trace: {trace}")
        check(any(e["event"] == "os.listdir" and e["decision"] == "allow" for e in trace),
              f"segfault: the allowed event is not in the trace: {trace}")
        engine = [e for e in trace if e.get("class") != "os-layer"]
        check(counters.get("events") == len(engine) and
              counters.get("denied") == sum(e["decision"] == "deny" for e in engine) and
              counters.get("allowed") == sum(e["decision"] == "allow" for e in engine),
              f"segfault: counters {counters} disagree with the trace ({len(engine)} entries)")
        check("SIGSEGV" in (r.get("note") or ""), f"segfault: no note: {r.get('note')!r}")
    finally:
        server.stop()


def environment_of(server):
    status, _, r = server.run("import os, json\nprint(json.dumps(dict(os.environ)))\n"
                              "print(os.getcwd())\n")
    if status != 200 or not isinstance(r, dict) or r.get("status") != "ok":
        check(False, f"the environment run failed: {status} {str(r)[:300]}")
        return {}, ""
    env_line, cwd = r["stdout"].splitlines()[:2]
    return json.loads(env_line), cwd


def test_env(binary, tmp):
    """Item 4: runs see a fixed, minimal environment, not the operator's."""
    env = dict(os.environ, FA_SECRET="sentinel-4c1d")
    server = Server(binary, tmp, env=env)
    try:
        for which in ("the first supervisor", "a replacement supervisor"):
            seen, cwd = environment_of(server)
            check("FA_SECRET" not in seen and "sentinel-4c1d" not in json.dumps(seen),
                  f"{which}: the operator's environment reaches runs: {seen}")
            check(set(seen) == {"PATH", "LANG", "HOME"} and seen.get("PATH") == "/usr/bin:/bin"
                  and seen.get("LANG") == "C.UTF-8" and seen.get("HOME") == cwd,
                  f"{which}: the environment is not the fixed one: {seen} (cwd {cwd})")
            if which == "the first supervisor":
                old = server.supervisor_pid()
                os.kill(old, signal.SIGKILL)
                until(lambda: server.supervisor_pid() not in (None, old), "a new supervisor")
    finally:
        server.stop()
    with tempfile.NamedTemporaryFile("w", suffix=".py", dir=tmp, delete=False) as f:
        f.write("import os, json\nprint(json.dumps(dict(os.environ)))\n")
    proc = subprocess.run([binary, "run", "--json", f.name], env=env, capture_output=True,
                          text=True, timeout=60)
    try:
        seen = json.loads(json.loads(proc.stdout)["stdout"])
    except (ValueError, KeyError):
        seen = {"unreadable": proc.stdout[:300] + proc.stderr[:300]}
    check(set(seen) == {"PATH", "LANG", "HOME"},
          f"fa-learn run: the environment is not the fixed one: {seen}")


def test_share(binary, tmp):
    """Item 5: one client cannot take every run slot; a class pressing Run together is queued
    and served."""
    server = Server(binary, tmp, "--sandbox-workers", "3", "--sandbox-per-client", "2")
    try:
        flood = []
        loop = "while True:\n    pass\n"
        threads = [threading.Thread(target=lambda: flood.append(
            server.run(loop, source="127.0.0.2", time_limit_ms=10000)), daemon=True)
            for _ in range(3)]
        for t in threads:
            t.start()
        # Two loops go (or wait), the third is refused at once: its answer is the event.
        refused = until(lambda: next((a for a in list(flood) if a[0] == 429), None),
                        "the flooder's 429")
        if refused:
            check("Retry-After" in refused[1], "429 without Retry-After")
        status, _, r = server.run("print('my turn')", source="127.0.0.3")
        check(status == 200 and r.get("stdout") == "my turn\n",
              f"another learner was not served while one client floods: {status} {str(r)[:200]}")
        check(len(flood) == 1, "the other learner was served only after the flood ended")
        for t in threads:
            t.join(60)
        check(sorted(a[0] for a in flood) == [200, 200, 429] and
              all(a[2].get("limit") == "time" for a in flood if a[0] == 200),
              f"the flooder's own runs: {[str(a)[:120] for a in flood]}")
    finally:
        server.stop()
    # A class of 30 on the default capacity: every run is queued and served, none refused.
    server = Server(binary, tmp)
    try:
        answers = []
        threads = [threading.Thread(target=lambda i=i: answers.append(
            server.run(f"print({i})", source=f"127.0.1.{i + 1}")), daemon=True) for i in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        check(len(answers) == 30 and all(a[0] == 200 and a[2].get("status") == "ok" for a in answers),
              f"a class of 30: {sorted(a[0] for a in answers)}")
    finally:
        server.stop()


def test_disk(binary, tmp):
    """Item 5: a run's scratch folder has a disk quota; past it, ENOSPC, shown as the OS
    layer's stop."""
    server = Server(binary, tmp, "--sandbox-disk", "16")
    try:
        status, _, r = server.run(
            "import os\nchunk = b'x' * (1 << 20)\nn = 0\n"
            "try:\n"
            "    for i in range(64):\n"
            "        with open(f'f{i}', 'wb') as f:\n"
            "            for _ in range(4):\n"
            "                f.write(chunk); f.flush(); n += 1\n"
            "finally:\n"
            "    print(n)\n", time_limit_ms=10000)
        check(status == 200 and isinstance(r, dict) and
              r.get("exception", {}).get("type") == "OSError" and
              "No space left" in r.get("exception", {}).get("message", ""),
              f"past the quota: not ENOSPC: {status} {str(r)[:300]}")
        written = int((r.get("stdout") or "999").split()[0]) if isinstance(r, dict) else 999
        check(written <= 16, f"{written} MiB written with a 16 MiB quota")
        check(any(e.get("class") == "os-layer" and "quota" in e.get("reason", "")
                  for e in r.get("trace", [])), f"no os-layer stop in the trace: {r.get('trace')}")
        check(r.get("jail", {}).get("disk_quota_mb") == 16, f"jail: {r.get('jail')}")
    finally:
        server.stop()


def test_deadline(binary, tmp):
    """Item 2's backstop: whatever the cause, a parked run request is answered by its deadline
    (the longest wait for a worker, plus its time limit, plus a margin), here with the
    supervisor frozen (SIGSTOP) so that it answers nothing; and a run that waits longer than
    the longest wait for a worker is refused with 429, not left hanging."""
    server = Server(binary, tmp, "--sandbox-wait", "1", "--sandbox-workers", "1",
                    "--sandbox-per-client", "4")
    try:
        # One worker, busy with a loop: the next run waits past its 1 s and is refused.
        loop = threading.Thread(target=lambda: server.run(
            "open('started', 'w').close()\nwhile True: pass\n", time_limit_ms=4000), daemon=True)
        loop.start()
        until(lambda: started_runs(server), "the loop to run")
        status, headers, r = server.run("print('late')", time_limit_ms=500)
        check(status == 429 and "Retry-After" in headers and "waited too long" in str(r),
              f"a run that waited past the longest wait: {status} {r}")
        loop.join(60)
        pid = server.supervisor_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            status, _, r = server.run("print('frozen')", time_limit_ms=500)
        finally:
            os.kill(pid, signal.SIGCONT)
        check(status == 504 and isinstance(r, dict) and "in time" in r.get("error", ""),
              f"a run the supervisor never answered: {status} {r}")
        status, _, r = server.run("print('after')")
        check(status == 200 and r.get("stdout") == "after\n",
              f"after the watchdog, runs work again: {status} {str(r)[:200]}")
    finally:
        server.stop()


def started_runs(server):
    """Run folders holding a file 'started' (the run's own signal that it is going). They are
    quota mounts in the supervisor's mount namespace: seen through it."""
    runs = pathlib.Path(f"/proc/{server.supervisor_pid()}/root{os.path.abspath(server.data)}",
                        "runs")
    return list(runs.glob("*/started"))


def run_folders(data):
    runs = pathlib.Path(data, "runs")
    return sorted(p.name for p in runs.iterdir()) if runs.is_dir() else []


def test_lifecycle(binary, tmp):
    """Item 6: stale scratch folders are cleared at start; a replacement supervisor lives as
    long as the server and a clean stop leaves nothing behind; long data paths work."""
    data = os.path.join(tmp, "data")
    stale = pathlib.Path(data, "runs", "run-stale1")
    stale.mkdir(parents=True)
    (stale / "left.txt").write_text("from a killed supervisor")
    server = Server(binary, data)
    try:
        check(not stale.exists(), f"a stale run folder survived the start: {run_folders(data)}")
        old = server.supervisor_pid()
        os.kill(old, signal.SIGKILL)
        new = until(lambda: (lambda p: p if p not in (None, old) else None)(server.supervisor_pid()),
                    "a replacement supervisor")
        status, _, r = server.run("print('after the restart')")
        check(status == 200 and r.get("stdout") == "after the restart\n",
              f"the replacement does not run: {status} {str(r)[:200]}")
        # A run in flight at a clean stop gets an answer, and nothing is left behind.
        answers = []
        t = threading.Thread(target=lambda: answers.append(server.run(
            "open('started', 'w').close()\nwhile True: pass\n", time_limit_ms=10000)),
            daemon=True)
        t.start()
        until(lambda: started_runs(server), "the run in flight")
    finally:
        server.stop()
    t.join(30)
    check(answers and answers[0][0] in (200, 503),
          f"the run in flight at a clean stop got no answer: {answers}")
    check(not _alive(new), "the replacement supervisor outlived the server")
    check(run_folders(data) == [], f"run folders left after a clean stop: {run_folders(data)}")
    # A data folder with a long path (longer than the old 256-byte buffers).
    deep = os.path.join(tmp, *(["d" * 60] * 6))
    server = Server(binary, deep)
    try:
        status, _, r = server.run("print('deep')")
        check(status == 200 and isinstance(r, dict) and r.get("stdout") == "deep\n",
              f"a long data path: {status} {str(r)[:200]}")
    finally:
        server.stop()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


TESTS = {name[5:]: fn for name, fn in globals().items() if name.startswith("test_")}


def main():
    binary, name = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="fa-robust-")
    os.chmod(tmp, 0o755)
    try:
        TESTS[name](binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish(name)


if __name__ == "__main__":
    main()
