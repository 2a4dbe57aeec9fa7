"""CPython's own regression tests under fa-learn's embedded interpreter (issue #17).

Runs `LINK -m test -j2` (LINK: the fa-learn-python3 link, so regrtest's workers, subprocess,
multiprocessing spawn/forkserver, venv and test.support's script helpers all start the embedded
interpreter from sys.executable) on a chosen set of test files, quickest parts where a file is
long, then reads the JUnit XML back: the run fails unless every chosen file ran tests and none
failed. Tests that cannot pass on this machine are skipped by name below, each with its reason.

Usage: run_regrtest.py LINK
"""
import os
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

# What a python3 user's child interpreters and hooks touch. For the long packages, the parts
# that start interpreters from sys.executable; the whole of test_asyncio takes minutes.
TESTS = [
    "test_audit",  # runs audit-tests.py in a child interpreter per test
    "test_monitoring",  # test_monitoring_live_at_shutdown starts a child
    "test_sys_settrace",
    "test_sys_setprofile",
    "test_context",
    "test_subprocess",
    "test_threading",
    "test_multiprocessing_spawn.test_misc",  # the quickest quarter (about 15 s)
    "test_multiprocessing_forkserver.test_misc",
    "test_asyncio.test_subprocess",  # child processes from sys.executable
    "test_asyncio.test_runners",
    "test_sqlite3",
    "test_ctypes",
    "test_venv",  # venv creation with --without-pip, from the link
]


def reachable_by_others(path):
    """True when a user with no rights of its own can reach path (o+x on every folder)."""
    path = os.path.realpath(path)
    while True:
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
        if path == os.path.dirname(path):
            return True
        path = os.path.dirname(path)


# Full test ids (regrtest's -i) that cannot pass here, each with its reason.
SKIPPED = {}
if os.geteuid() == 0 and not reachable_by_others(sys.base_prefix):
    # As root, the test starts sys.executable as uid 65534, which cannot reach libpython when
    # the cached CPython is under root's home (mode 0700): exit status 127. Any python3 kept
    # there fails the same way; as an ordinary user CPython skips the test itself.
    SKIPPED["test.test_subprocess.POSIXProcessTestCase.test_user"] = (
        "as root, uid 65534 cannot reach the interpreter's libpython under " + sys.base_prefix)
if os.environ.get("FA_LEARN_ASAN") == "1":
    # In the ASan build (make asan), LeakSanitizer checks the child forked from a second
    # thread at its exit and writes "Running thread N was not suspended. False leaks are
    # possible." to its stderr, which the test requires to be empty.
    SKIPPED["test.test_threading.ThreadTests.test_main_thread_after_fork_from_nonmain_thread"] = (
        "ASan build: LeakSanitizer writes to the forked child's stderr")

TIMEOUT_PER_FILE = 240  # seconds; regrtest dumps the tracebacks and fails the file


def fail(message):
    print(f"run_regrtest: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        fail("usage: run_regrtest.py FA_LEARN_PYTHON3_LINK")
    link = os.path.abspath(sys.argv[1])  # the run happens in a scratch folder
    if not os.access(link, os.X_OK):
        fail(f"{link} is not an executable (the fa-learn-python3 link of the build folder)")
    # Without the test package there is nothing to check: a failure, never a pass.
    probe = subprocess.run([link, "-c", "import test.libregrtest"], capture_output=True,
                           text=True)
    if probe.returncode != 0:
        fail("CPython's `test` package is missing from the embedded interpreter's prefix "
             "(was CPython configured with --disable-test-modules?):\n" + probe.stderr)

    for test_id, reason in SKIPPED.items():
        print(f"skipped by name: {test_id}: {reason}")
    with tempfile.TemporaryDirectory(prefix="fa-regrtest-") as work:
        junit = os.path.join(work, "junit.xml")
        command = [link, "-m", "test", "-j2", f"--timeout={TIMEOUT_PER_FILE}", "-W",
                   "--slowest", f"--junit-xml={junit}", f"--tempdir={work}/run"]
        for test_id in SKIPPED:
            command += ["-i", test_id]
        command += TESTS
        # A PYTHON* variable of the calling shell would change every worker and child.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        status = subprocess.run(command, cwd=work, env=env).returncode
        if not os.path.exists(junit):
            fail(f"regrtest wrote no results (exit status {status})")
        per_file, reasons = read_results(junit)

    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        print(f"skipped by CPython itself ({count}): {reason}")
    problems = []
    for name in TESTS:
        run, skipped, failed = per_file.get(name, (0, 0, 0))
        print(f"{name}: {run} run, {skipped} skipped by CPython, {failed} failed")
        if run - skipped <= 0:
            problems.append(f"{name} ran no test")
        if failed:
            problems.append(f"{name}: {failed} failed")
    if status != 0:
        problems.append(f"regrtest exit status {status}")
    if problems:
        fail("; ".join(problems))
    print("all chosen CPython regression tests passed")


def read_results(path):
    """({test file: (tests, skipped, failures + errors)}, {skip reason: count}) from
    regrtest's JUnit XML, where each <testcase name=...> is a full test id."""
    per_file, reasons = {}, {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = file_of(case.get("name", ""))
        run, skipped, failed = per_file.get(name, (0, 0, 0))
        run += 1
        skip = case.find("skipped")
        if skip is not None:
            skipped += 1
            reason = (skip.text or skip.get("message") or "").strip()[:100]
            reasons[reason] = reasons.get(reason, 0) + 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        per_file[name] = (run, skipped, failed)
    return per_file, reasons


def file_of(test_id):
    """The regrtest name of a test's file: test.test_asyncio.test_runners.RunTests.test_x ->
    test_asyncio.test_runners when that was asked for, else the top-level file."""
    parts = test_id.split(".")
    if parts and parts[0] == "test":
        parts = parts[1:]
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in TESTS:
            return ".".join(parts[:n])
    return parts[0] if parts else test_id


if __name__ == "__main__":
    main()
