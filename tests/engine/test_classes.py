"""Issue #3, rule 3: event classes — allowed outright, prefixes, default-deny (real operations
first, then every listed name through sys.audit so the whole table is covered)."""
import array
import gc
import glob
import marshal
import mmap
import os
import pathlib
import pickle
import socket
import subprocess
import sys
import time
import types
import unittest

import fastaudit
from helpers import EngineTestCase, attempt, read

ALLOWED_EXACT = [
    "array.__new__", "builtins.breakpoint", "builtins.id", "builtins.input",
    "builtins.input/result", "code.__new__", "compile", "cpython.run_interactivehook", "exec",
    "function.__new__", "glob.glob", "glob.glob/2", "import", "mmap.__new__",
    "object.__delattr__", "object.__getattr__", "os.fork", "os.forkpty", "os.fwalk",
    "os.getxattr", "os.listdir", "os.listdrives", "os.listmounts", "os.listvolumes",
    "os.listxattr", "os.lockf", "os.scandir", "os.utime", "os.walk", "pathlib.Path.glob",
    "pathlib.Path.rglob", "pathlib.Path.walk", "pdb.Pdb", "pickle.find_class",
    "resource.prlimit", "resource.setrlimit", "setopencodehook", "socket.__new__",
    "socket.getaddrinfo", "socket.gethostbyaddr", "socket.gethostbyname", "socket.gethostname",
    "socket.getnameinfo", "socket.getservbyname", "socket.getservbyport",
    "sqlite3.connect/handle", "sqlite3.enable_load_extension", "sys._current_exceptions",
    "sys._current_frames", "sys._getframe", "sys._getframemodulename",
    "sys.set_asyncgen_hooks_finalizer", "sys.set_asyncgen_hooks_firstiter", "sys.setprofile",
    "sys.settrace", "syslog.closelog", "syslog.openlog", "syslog.setlogmask", "syslog.syslog",
    "time.sleep", "urllib.Request", "webbrowser.open",
]
# The read-only winreg events (CPython's list of winreg audit events that do not modify).
WINREG_READ = [
    "winreg.ConnectRegistry", "winreg.EnumKey", "winreg.EnumValue",
    "winreg.ExpandEnvironmentStrings", "winreg.OpenKey", "winreg.OpenKey/result",
    "winreg.PyHKEY.Detach", "winreg.QueryInfoKey", "winreg.QueryReflectionKey",
    "winreg.QueryValue",
]
WINREG_WRITE = ["winreg.CreateKey", "winreg.DeleteKey", "winreg.DeleteValue", "winreg.SetValue",
                "winreg.LoadKey", "winreg.SaveKey"]
ALLOWED_PREFIXES = ["fcntl.", "ftplib.", "gc.", "imaplib.", "marshal.", "poplib.", "smtplib."]
DEFAULT_DENY = [
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.kill",
    "os.killpg", "ctypes.dlopen", "ctypes.dlsym", "ctypes.cdata", "ctypes.call_function",
    "sys.addaudithook", "socket.connect", "socket.bind", "socket.sendto", "sys.excepthook",
    "sys.unraisablehook", "sys.monitoring.register_callback", "cpython.PyInterpreterState_New",
    "http.client.connect", "thirdparty.some_event", "numpy.whatever", "fastaudit.call",
    "pty.spawn", "signal.pthread_kill", "os.add_dll_directory", "os.startfile",
]
# Near misses of the allowed names and prefixes: must fall to default-deny.
NEAR_MISSES = [
    "gc", "gcx.get_objects", "marshal", "marshalx.loads", "fcntl", "os.listdirx", "os.listdi",
    "compilex", "Exec", "EXEC", "imports", "time.sleep2", "time", "glob.glob/3", "sys.settrace2",
    "socket.getaddrinfox", "winreg.SetValueEx", "ftplib", "smtplib", "poplib", "imaplib",
]


def _f(a=1):
    return a


class TestAllowedOutright(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.existing = self.make_file(self.out, "existing.txt")

    def test_real_allowed_operations(self):
        out, existing = self.out, self.existing
        ops = {
            "compile/exec": lambda: exec(compile("x = 1", "<t>", "exec"), {}),
            "builtins.id": lambda: id(ops),
            "os.listdir outside roots": lambda: os.listdir(out),
            "os.scandir outside roots": lambda: list(os.scandir(out)),
            "os.walk outside roots": lambda: list(os.walk(out)),
            "glob.glob outside roots": lambda: glob.glob(os.path.join(out, "*")),
            "pathlib glob": lambda: list(pathlib.Path(out).glob("*")),
            "pathlib rglob": lambda: list(pathlib.Path(out).rglob("*")),
            "os.utime outside roots": lambda: os.utime(existing),
            "time.sleep": lambda: time.sleep(0),
            "socket.__new__": lambda: socket.socket().close(),
            "socket.gethostname": socket.gethostname,
            "marshal": lambda: marshal.loads(marshal.dumps([1, 2])),
            "pickle.find_class": lambda: pickle.loads(pickle.dumps(TestAllowedOutright)),
            "gc.get_objects": lambda: len(gc.get_objects()),
            "gc.get_referrers": lambda: gc.get_referrers(ops),
            "sys._getframe": lambda: sys._getframe(),
            "array.__new__": lambda: array.array("i", [1]),
            "mmap.__new__": lambda: mmap.mmap(-1, 16).close(),
            "code.__new__": lambda: _f.__code__.replace(),
            "function.__new__": lambda: types.FunctionType(_f.__code__, {}, None, (1,))(),
            "object.__delattr__": lambda: delattr(types.FunctionType(_f.__code__, {}),
                                                  "__defaults__"),
            "object.__getattr__ (f_code)": lambda: sys._getframe().f_code,
            "fcntl.fcntl": lambda: __import__("fcntl").fcntl(0, __import__("fcntl").F_GETFL),
            "open read outside roots": lambda: read(existing),
        }
        for name, op in ops.items():
            with self.subTest(op=name):
                self.allow_in(self.ap, op, what=name)

    def test_every_listed_event_is_allowed(self):
        for event in ALLOWED_EXACT + WINREG_READ:
            with self.subTest(event=event):
                self.allow_in(self.ap, sys.audit, event, "arg", what=event)

    def test_allowed_prefixes(self):
        for prefix in ALLOWED_PREFIXES:
            for suffix in ("x", "connect", "deep.sub.event"):
                event = prefix + suffix
                with self.subTest(event=event):
                    self.allow_in(self.ap, sys.audit, event, what=event)

    def test_near_misses_are_denied(self):
        for event in NEAR_MISSES + WINREG_WRITE:
            with self.subTest(event=event):
                self.deny_in(self.ap, event, sys.audit, event, 1)

    def test_nothing_checked_outside_a_context(self):
        # The hook exists (mk_audit ran) but does nothing when no config is active here.
        for event in DEFAULT_DENY:
            with self.subTest(event=event):
                _, e = attempt(sys.audit, event, "x")
                self.assertIsNone(e, f"{event} denied with no active context: {e!r}")
        p = os.path.join(self.out, "free.txt")
        with open(p, "w") as f:
            f.write("x")
        os.remove(p)


class TestDefaultDeny(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

    def test_subprocess_run_denied(self):
        marker = os.path.join(self.root, "ran")
        e = self.deny_in(self.ap, "subprocess.Popen", subprocess.run,
                         ["/bin/sh", "-c", f"touch '{marker}'"])
        self.assertFalse(os.path.exists(marker), "the denied subprocess ran")
        # Neighbour: the same call outside the context works.
        subprocess.run(["/bin/sh", "-c", f"touch '{marker}'"], check=True)
        self.assertTrue(os.path.exists(marker))
        self.assertIn("'/bin/sh'", str(e))

    def test_os_system_denied(self):
        marker = os.path.join(self.root, "ran")
        self.deny_in(self.ap, "os.system", os.system, f"touch '{marker}'")
        self.assertFalse(os.path.exists(marker))

    def test_posix_spawn_denied(self):
        self.deny_in(self.ap, "os.posix_spawn", os.posix_spawn, "/bin/true", ["true"], {})

    def test_os_kill_denied(self):
        # Signal 0 only checks the pid: harmless even if it went through.
        self.deny_in(self.ap, "os.kill", os.kill, os.getpid(), 0)

    def test_ctypes_denied(self):
        import ctypes  # outside the context: importing ctypes itself loads libraries
        lib = ctypes.CDLL(None)
        self.deny_in(self.ap, "ctypes.dlopen", ctypes.CDLL, None)
        self.deny_in(self.ap, "ctypes.dlsym", getattr, lib, "getpid")
        x = ctypes.c_int(5)
        self.deny_in(self.ap, "ctypes.cdata", ctypes.c_int.from_address, ctypes.addressof(x))

    def test_addaudithook_denied(self):
        # sys.addaudithook swallows an Exception raised by an existing hook and does not add
        # the new hook: the denial is silent, so check that the hook never runs.
        calls = []
        fastaudit.trace_stop()
        fastaudit.trace_clear()
        fastaudit.trace_start()
        try:
            _, e = self.run_in(self.ap, sys.addaudithook, lambda ev, args: calls.append(ev))
        finally:
            fastaudit.trace_stop()
        self.assertIsNone(e)
        sys.audit("labtest.after_addaudithook")
        self.assertEqual(calls, [], "a hook was added from inside the context")
        denied = [t for t in fastaudit.trace() if t["event"] == "sys.addaudithook"]
        fastaudit.trace_clear()
        self.assertEqual([t["decision"] for t in denied], ["deny"])

    def test_socket_connect_denied_but_socket_creation_allowed(self):
        s = self.allow_in(self.ap, socket.socket, socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.deny_in(self.ap, "socket.connect", s.connect, ("127.0.0.1", 9))
        finally:
            s.close()

    def test_third_party_events_denied(self):
        for event in DEFAULT_DENY:
            with self.subTest(event=event):
                self.deny_in(self.ap, event, sys.audit, event, "a", 2)

    def test_denial_message_and_call_chain(self):
        def inner_helper():
            os.system("true")

        def outer_helper():
            inner_helper()

        _, e = self.run_in(self.ap, outer_helper)
        self.assertDenied(e, "os.system")
        self.assertIn("'true'", str(e).split("\n")[0])
        from helpers import chain_parts
        parts = chain_parts(e)
        me = self.tid()
        self.assertIn(me, parts)
        outer, inner = f"{me}.<locals>.outer_helper", f"{me}.<locals>.inner_helper"
        self.assertIn(outer, parts)
        self.assertLess(parts.index(me), parts.index(outer), f"outermost first: {parts}")
        self.assertEqual(parts[-1], inner, f"innermost last: {parts}")
        self.assertEqual(parts[-2], outer, parts)

    def test_traceback_has_no_engine_frames(self):
        import traceback
        _, e = self.run_in(self.ap, os.system, "true")
        self.assertIsInstance(e, PermissionError)
        for fs in traceback.extract_tb(e.__traceback__):
            self.assertNotIn("fastaudit", fs.filename)
            self.assertNotIn("fastaudit", fs.name)


if __name__ == "__main__":
    unittest.main()
