"""The store keeps its promises (issue 11, section 4), against a real `fa-learn serve`:

- damaged: a row damaged behind the server's back (SQL through Python's sqlite3, as the sqlite3
  CLI would) gives a clear 500 page for that report only; other reports, and the server, live on;
- readonly: a read-only database file: the server refuses to start, with one clear line;
- names: names and class codes with bidirectional controls (U+202A..U+202E, U+2066..U+2069)
  or line/paragraph separators are refused with a specific 400 (the API; the form's 422
  shows the quiz again with the reason), and the
  Markdown report escapes Markdown and HTML in the name and the class;
- backup: `fa-learn backup --data DIR OUT.db` while submissions go on: the copy opens and holds
  every attempt acknowledged before the backup began.

Usage: fa-learn python test_store.py FA_LEARN_BINARY CASE"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.parse

# The shared harness: tests/checks.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from checks import check, checks, failures  # noqa: E402
import serving  # noqa: E402
from serving import Server  # noqa: E402


def start(binary, data):
    # No per-client rate limit: every request here comes from one address.
    return Server(binary, data, "--quiet", "--no-sandbox", env={"FA_LEARN_QUIZ_RATE": "0"})


def request(base, path, data=None, content_type=None):
    """(status, body) without raising on HTTP errors."""
    status, _, body = serving.request(base, path, data, content_type)
    return status, body


tokens = {}


def attempt(base, quiz="all"):
    """An attempt token of the server at base (one per quiz is enough: tokens may be reused)."""
    if (base, quiz) not in tokens:
        tokens[base, quiz] = json.loads(request(base, f"/api/quiz?topic={quiz}")[1])["attempt"]
    return tokens[base, quiz]


def api_submit(base, name, klass=None, quiz="all"):
    body = {"name": name, "quiz": quiz, "answers": {}, "attempt": attempt(base, quiz)}
    if klass is not None:
        body["class"] = klass
    status, text = request(base, "/api/quiz/submit", json.dumps(body).encode(),
                           "application/json")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, {"error": text}


def test_damaged(binary, data):
    server = start(binary, data)
    try:
        _, good = api_submit(server.base, "Good Learner")
        _, bad = api_submit(server.base, "Damaged Learner")
        check("report_id" in good and "report_id" in bad, "two attempts stored")
        status, _ = request(server.base, f"/report/{bad['report_id']}")
        check(status == 200, f"the report reads before the damage ({status})")
        # A verdict no program wrote (9: the verdicts are 0-3), as a damaged file or a bad
        # hand edit could leave it; the server keeps running meanwhile (WAL: no lock needed).
        db = sqlite3.connect(os.path.join(data, "fa-learn.db"), timeout=10)
        (answers,) = db.execute("SELECT answers FROM attempts WHERE report_id = ?",
                                (bad["report_id"],)).fetchone()
        first, rest = answers.split("\n", 1)
        fields = first.split("\t")
        fields[2] = "9"
        with db:
            db.execute("UPDATE attempts SET answers = ? WHERE report_id = ?",
                       ("\t".join(fields) + "\n" + rest, bad["report_id"]))
        db.close()
        status, page = request(server.base, f"/report/{bad['report_id']}")
        check(status == 500, f"the damaged report answers 500 ({status})")
        check("damaged" in page and "other reports" in page,
              "the 500 page says this report is damaged and the others are not")
        status, text = request(server.base, f"/api/report/{bad['report_id']}")
        check(status == 500 and "error" in json.loads(text), f"the API answers 500 ({status})")
        status, page = request(server.base, f"/report/{good['report_id']}")
        check(status == 200 and "Good Learner" in page, "another report still reads")
        check(server.proc.poll() is None, "the server is still running")
        status, _ = request(server.base, "/healthz")
        check(status == 200, "and answers /healthz")
        status, result = api_submit(server.base, "After")
        check(status == 201, f"and stores new attempts ({status})")
    finally:
        server.stop()


def test_readonly(binary, data):
    # A store that exists, made read-only: the file itself (a read-only bind mount of it when
    # running as root, whom permissions do not stop; mode 0444 otherwise).
    server = start(binary, data)
    api_submit(server.base, "Before")
    server.stop()
    db = os.path.join(data, "fa-learn.db")
    command = [binary, "serve", "--port", "0", "--data", data, "--quiet", "--no-sandbox"]
    if os.geteuid() == 0:
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && '
                   'exec "$@"', "sh", db] + command
    else:
        os.chmod(db, 0o444)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    lines = [line for line in err.splitlines() if line.strip()]
    check(proc.returncode == 1, f"the server refuses to start (exit {proc.returncode}, "
                                f"stdout {out!r})")
    check("serving" not in out, "it never says it is serving")
    check(len(lines) == 1, f"with one line on stderr: {lines}")
    check(lines and "read-only" in lines[0] and db in lines[0],
          f"which names the file and says it is read-only: {lines}")


BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069"]
SEPARATORS = ["\u2028", "\u2029", "\u0085"]


def test_names(binary, data):
    server = start(binary, data)
    try:
        for ch in BIDI + SEPARATORS:
            status, result = api_submit(server.base, f"Eve{ch}evil")
            check(status == 400 and "text-direction" in result.get("error", ""),
                  f"a name with U+{ord(ch):04X} is refused with its reason: {status} "
                  f"{result.get('error')}")
            status, result = api_submit(server.base, "Eve", f"CS{ch}1")
            check(status == 400 and "text-direction" in result.get("error", ""),
                  f"a class with U+{ord(ch):04X} is refused with its reason: {status} "
                  f"{result.get('error')}")
        form = urllib.parse.urlencode([("quiz", "all"), ("attempt", attempt(server.base)),
                                       ("name", "Mallory\u202egnp.exe")]).encode()
        status, page = request(server.base, "/quiz/submit", form,
                               "application/x-www-form-urlencoded")
        # The form answers its learner's mistakes with 422 and their quiz again (srv_quiz.c).
        check(status == 422 and "text-direction" in page,
              f"the form refuses it too, next to the field ({status})")
        status, result = api_submit(server.base, "Zoë Ångström-Øster", "CS-101")
        check(status == 201, f"ordinary names still pass ({status} {result})")

        # The Markdown report: the name and class as text, never markup.
        name = "<img src=x onerror=alert(1)> [click](https://evil.example/) **x** `y`"
        status, result = api_submit(server.base, name, "A_B.c")
        check(status == 201, f"a name with markup characters is stored as typed ({status})")
        status, text = request(server.base, f"/api/report/{result['report_id']}")
        stored = json.loads(text)
        md = stored["report_markdown"]
        learner = next((line for line in md.splitlines() if "**Learner:**" in line), "")
        check(stored["learner"] == name, "the stored name is the name as typed")
        check(learner == "- **Learner:** \\<img src\\=x onerror\\=alert\\(1\\)\\> \\[click\\]"
                         "\\(https\\:\\/\\/evil\\.example\\/\\) \\*\\*x\\*\\* \\`y\\`",
              f"the name is escaped in the Markdown report: {learner!r}")
        check("- **Class:** A\\_B\\.c" in md, "the class code too")
    finally:
        server.stop()


def test_backup(binary, data):
    server = start(binary, data)
    acked = []  # report ids, in the order their 201 came back
    lock = threading.Condition()
    stop = threading.Event()
    errors = []

    def writer():
        while not stop.is_set():
            status, result = api_submit(server.base, "Backup Learner")
            with lock:
                if status != 201:
                    errors.append(status)
                    lock.notify_all()
                    return
                acked.append(result["report_id"])
                lock.notify_all()

    copy_dir = tempfile.mkdtemp(prefix="fa-learn-backup-")
    out = os.path.join(copy_dir, "fa-learn.db")
    threads = [threading.Thread(target=writer) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        # Wait for a good stream of acknowledged attempts (an event: the count), then back up
        # while the writers go on.
        with lock:
            lock.wait_for(lambda: len(acked) >= 300 or errors, timeout=60)
            before = list(acked)
        check(len(before) >= 300, f"submissions are acknowledged ({len(before)}, {errors})")
        result = subprocess.run([binary, "backup", "--data", data, out], capture_output=True,
                                text=True, timeout=60)
        with lock:
            during = len(acked) - len(before)
        check(result.returncode == 0, f"backup exits 0 ({result.returncode}: {result.stderr})")
        check(result.stdout.startswith("fa-learn backup: ") and out in result.stdout,
              f"and says what it copied: {result.stdout!r}")
        stop.set()
        for t in threads:
            t.join(timeout=30)
        check(not errors, f"every submission was acknowledged meanwhile: {errors}")
        print(f"backup: {len(before)} acknowledged before, {during} more during the backup")
        if result.returncode != 0:
            return
        check(not os.path.exists(out + "-wal"), "the copy is one file (no WAL beside it)")
        db = sqlite3.connect(out)
        check(db.execute("PRAGMA quick_check").fetchone()[0] == "ok", "the copy checks out")
        ids = {row[0] for row in db.execute("SELECT report_id FROM attempts")}
        db.close()
        missing = [i for i in before if i not in ids]
        check(not missing, f"the copy holds every attempt acknowledged before the backup "
                           f"({len(missing)} missing of {len(before)})")
        check(f"{len(ids)} attempts" in result.stdout, "the count printed is the copy's")
    finally:
        stop.set()
        server.stop()
    # The copy is a store: served from a data folder of its own, a report reads.
    copy_server = start(binary, copy_dir)
    try:
        status, page = request(copy_server.base, f"/report/{before[-1]}")
        check(status == 200 and "Backup Learner" in page, f"the copy serves a report ({status})")
    finally:
        copy_server.stop()
    # Usage errors and a missing store: one line, no file written.
    result = subprocess.run([binary, "backup", "--data", os.path.join(copy_dir, "none"),
                             os.path.join(copy_dir, "x.db")], capture_output=True, text=True)
    check(result.returncode == 1 and len(result.stderr.splitlines()) == 1 and
          not os.path.exists(os.path.join(copy_dir, "x.db")),
          f"a folder without a store: exit 1, one line ({result.returncode} {result.stderr!r})")
    result = subprocess.run([binary, "backup"], capture_output=True, text=True)
    check(result.returncode == 2, f"no output file: exit 2 ({result.returncode})")
    shutil.rmtree(copy_dir, ignore_errors=True)


def main():
    binary, case = sys.argv[1], sys.argv[2]
    tests = {"damaged": test_damaged, "readonly": test_readonly, "names": test_names,
             "backup": test_backup}
    if case not in tests:
        raise SystemExit(f"unknown case {case}")
    data = tempfile.mkdtemp(prefix="fa-learn-store-")
    try:
        tests[case](binary, data)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(f"{checks[0]} checks, {len(failures)} failed")
    if failures or checks[0] == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
