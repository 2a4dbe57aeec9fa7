"""Shared helpers for the FastAudit engine tests.

The tests run inside `fa-learn python -m unittest discover -s tests/engine -t tests/engine`,
so `fastaudit` and `labnative` are importable. Rules the helpers follow:

- every test works in its own temporary folder, created OUTSIDE any active context;
- a context is kept as short as possible: the operation under test runs inside `with`, and the
  assertions run outside (a failing assertion builds a traceback, which must not be judged by
  the policy under test);
- anything that needs a fresh interpreter (entry points, finalisation, crashes) runs
  `[sys.executable, "-c", code]` (fa-learn's own interpreter: sys.executable is its
  fa-learn-python3 link), spawned outside any context.
"""
import contextlib
import functools
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

import fastaudit

CALL = sys.monitoring.events.CALL

# The suites written before issue 12 test fa-learn's hardened rule set.
HARDENED_MK = functools.partial(fastaudit.mk_audit, hardened=True)


def attempt(fn, *args, **kwargs):
    """Run fn and return (result, exception). Never lets an exception escape."""
    try:
        return fn(*args, **kwargs), None
    except BaseException as e:  # noqa: BLE001 - the test inspects whatever was raised
        return None, e


RECORD_FIELDS = ("fn", "args", "kwargs", "module", "qualname", "name")


def rec(record, field):
    """One field of a track_call record: (fn, args, kwargs, module, qualname, full name),
    whether the engine gives records as mappings, objects with attributes or tuples."""
    if isinstance(record, dict):
        return record[field]
    if hasattr(record, field):
        return getattr(record, field)
    return record[RECORD_FIELDS.index(field)]


def read(path, mode="r"):
    """The content of a file, closed at once (reads are allowed anywhere)."""
    with open(path, mode) as f:
        return f.read()


def first_line(exc):
    return str(exc).split("\n", 1)[0]


def lines(exc):
    return str(exc).split("\n")


def call_chain_line(exc):
    for line in lines(exc):
        if line.startswith("Call chain: "):
            return line
    return None


def chain_parts(exc):
    line = call_chain_line(exc)
    if line is None:
        return None
    return [p.strip() for p in line[len("Call chain: "):].split(" -> ")]


def run_fresh(code, *, cwd=None, env_extra=None, pythonpath=None, timeout=120, stdin=None):
    """Run `code` in a fresh `fa-learn python -c` interpreter; return the CompletedProcess.

    Must be called outside any active context (subprocess is denied inside)."""
    env = dict(os.environ)
    if pythonpath:
        old = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join([pythonpath] + ([old] if old else []))
    if env_extra:
        env.update(env_extra)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, input=stdin)


def proc_report(p):
    return f"rc={p.returncode}\n--- stdout ---\n{p.stdout}\n--- stderr ---\n{p.stderr}"


def write_dist_info(folder, dist_name, groups, modules=None):
    """Create a fake installed distribution on `folder` (to be put on sys.path).

    groups: {group: {name: value}} written to entry_points.txt;
    modules: {module_file_name: source} written next to the dist-info."""
    di = os.path.join(folder, f"{dist_name}-1.0.dist-info")
    os.makedirs(di, exist_ok=True)
    with open(os.path.join(di, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.0\n")
    with open(os.path.join(di, "entry_points.txt"), "w") as f:
        for group, eps in groups.items():
            f.write(f"[{group}]\n")
            for name, value in eps.items():
                f.write(f"{name} = {value}\n")
            f.write("\n")
    for fname, src in (modules or {}).items():
        with open(os.path.join(folder, fname), "w") as f:
            f.write(textwrap.dedent(src))
    return di


class EngineTestCase(unittest.TestCase):
    """Base class: a fresh temporary folder with `root` (allowed) and `out` (not allowed)."""

    def setUp(self):
        self.assertFalse(fastaudit.audit_state()["active"],
                         "a policy context leaked out of a previous test")
        self._cwd = os.getcwd()
        self._tmp = tempfile.TemporaryDirectory(prefix="fa-engine-")
        self.tmp = os.path.realpath(self._tmp.name)
        self.root = os.path.join(self.tmp, "root")
        self.out = os.path.join(self.tmp, "out")
        os.mkdir(self.root)
        os.mkdir(self.out)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        # Runs after tearDown: restore cwd before removing the folder.
        os.chdir(self._cwd)
        self._tmp.cleanup()
        self.assertFalse(fastaudit.audit_state()["active"],
                         "the test left a policy context active")

    # -- helpers ------------------------------------------------------------------------

    def make_file(self, *parts, text="data"):
        path = os.path.join(*parts)
        with open(path, "w") as f:
            f.write(text)
        return path

    def tid(self):
        """module.qualname of the running test method, as the engine writes call chains."""
        return f"{type(self).__module__}.{type(self).__qualname__}.{self._testMethodName}"

    def assertDenied(self, exc, event, *, path=False):
        """exc is the engine's PermissionError for `event`."""
        self.assertIsNotNone(exc, f"{event} was not denied")
        self.assertIsInstance(exc, PermissionError, f"{event}: unexpected {exc!r}")
        line = first_line(exc)
        if path:
            self.assertRegex(line, r"^" + re.escape(event) + r" .+ not in \[.*\]$",
                             f"{event}: path-check message {line!r}")
        else:
            self.assertTrue(line.startswith(f"Audit: {event} blocked in sandbox with args: "),
                            f"{event}: denial message {line!r}")
        self.assertIsNotNone(call_chain_line(exc), f"no 'Call chain:' line in {str(exc)!r}")

    def assertAllowed(self, exc, what=""):
        if exc is not None:
            self.fail(f"{what} unexpectedly raised {type(exc).__name__}: {exc}")

    def run_in(self, audit_perms, fn, *args, **kwargs):
        """Run fn inside `with audit_perms():` and return (result, exception)."""
        with audit_perms():
            r = attempt(fn, *args, **kwargs)
        return r

    def deny_in(self, audit_perms, event, fn, *args, path=False, **kwargs):
        _, e = self.run_in(audit_perms, fn, *args, **kwargs)
        self.assertDenied(e, event, path=path)
        return e

    def allow_in(self, audit_perms, fn, *args, what="", **kwargs):
        r, e = self.run_in(audit_perms, fn, *args, **kwargs)
        self.assertAllowed(e, what or getattr(fn, "__name__", repr(fn)))
        return r


@contextlib.contextmanager
def tracing(limit=1000):
    """Record a trace around a block (start/stop called OUTSIDE any context)."""
    fastaudit.trace_stop()
    fastaudit.trace_clear()
    fastaudit.trace_start(limit=limit)
    try:
        yield
    finally:
        fastaudit.trace_stop()


def entries(event=None, cls=None):
    out = fastaudit.trace()
    if event is not None:
        out = [t for t in out if t["event"] == event]
    if cls is not None:
        out = [t for t in out if t["class"] == cls]
    return out
