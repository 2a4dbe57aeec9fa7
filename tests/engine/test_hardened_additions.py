"""Issue 12, hardened additions beyond FastAudit 0.2.7: extra protected environment names,
sqlite3.connect URIs judged by their path, subinterpreter imports refused in or out of the
sandbox. Each test shows the hardened decision and, beside it, FastAudit's (the default mode)
on the same call, so a test fails if either side changes."""
import os
import sqlite3
import sys
import unittest

import fastaudit
from helpers import EngineTestCase, attempt, proc_report, run_fresh


class TestHardenedEnvironment(EngineTestCase):
    # Names FastAudit lets through and the hardened rules refuse.
    EXTRA = ["LD_PRELOAD", "LD_AUDIT", "ld_bind_now", "BASH_ENV", "ENV", "env", "PATH ",
             "FA_ENGINE_TEST\t"]

    def setUp(self):
        super().setUp()
        self.hardened = fastaudit.mk_audit([self.root], hardened=True)
        self.fastaudit = fastaudit.mk_audit([self.root], monitor_calls=False)
        self.addCleanup(self._restore)

    def _restore(self):
        for name in self.EXTRA:
            os.unsetenv(name)
            os.environ.pop(name, None)

    def test_extra_names_denied_hardened(self):
        for name in self.EXTRA:
            with self.subTest(name=name):
                self.deny_in(self.hardened, "os.putenv", os.putenv, name, "/evil.so")
                self.deny_in(self.hardened, "os.unsetenv", os.unsetenv, name)

    def test_extra_names_allowed_by_fastaudit(self):
        for name in self.EXTRA:
            with self.subTest(name=name):
                self.allow_in(self.fastaudit, os.putenv, name, "x", what=name)
                self.allow_in(self.fastaudit, os.unsetenv, name, what=name)

    def test_neighbours_still_allowed_hardened(self):
        for name in ("OLD_PRELOAD", "ENVIRONMENT", "LD", " FA_ENGINE_TEST"):
            with self.subTest(name=name):
                self.allow_in(self.hardened, os.putenv, name, "1", what=name)
                self.allow_in(self.hardened, os.unsetenv, name, what=name)
        self.addCleanup(os.unsetenv, " FA_ENGINE_TEST")


class TestHardenedSqliteUri(EngineTestCase):
    def setUp(self):
        super().setUp()
        os.chdir(self.root)             # FastAudit judges "file:..." relative to here
        self.outside = os.path.join(self.out, "escape.db")

    def connect(self, database):
        con = sqlite3.connect(database, uri=True)
        con.execute("create table t (x)")
        con.close()

    def test_uri_outside_denied_hardened(self):
        ap = fastaudit.mk_audit([self.root], hardened=True)
        for uri in (f"file:{self.outside}?mode=rwc", f"file://{self.outside}",
                    "file:" + self.outside.replace("/", "%2F")):
            with self.subTest(uri=uri):
                self.deny_in(ap, "sqlite3.connect", self.connect, uri, path=True)
        self.assertFalse(os.path.exists(self.outside))

    def test_uri_inside_allowed_hardened(self):
        ap = fastaudit.mk_audit([self.root], hardened=True)
        self.allow_in(ap, self.connect, "file:inside.db?mode=rwc")
        self.allow_in(ap, self.connect, f"file:{self.root}/abs.db")
        self.assertTrue(os.path.exists(os.path.join(self.root, "inside.db")))

    def test_uri_outside_allowed_by_fastaudit(self):
        # FastAudit takes dirname("file:/.../out/escape.db") as a relative folder under the
        # current one (inside the root), so SQLite writes outside the root.
        ap = fastaudit.mk_audit([self.root], monitor_calls=False)
        self.allow_in(ap, self.connect, f"file:{self.outside}?mode=rwc")
        self.assertTrue(os.path.exists(self.outside))


class TestHardenedSubinterpreters(EngineTestCase):
    def test_import_denied_outside_the_sandbox(self):
        ap = fastaudit.mk_audit([self.root], hardened=True)
        sys.modules.pop("_interpreters", None)
        _, e = self.run_in(ap, __import__, "_interpreters")
        self.assertIsInstance(e, PermissionError)
        self.assertIn("import", str(e).splitlines()[0])

    def test_import_allowed_by_fastaudit(self):
        ap = fastaudit.mk_audit([self.root], monitor_calls=False)
        sys.modules.pop("_interpreters", None)
        r, e = self.run_in(ap, __import__, "_interpreters")
        self.assertIsNone(e)
        self.assertEqual(r.__name__, "_interpreters")



class TestHardenedMonitoringBypasses(EngineTestCase):
    """The three monitoring bypasses found in review, and the sys.monitoring guard."""

    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit([self.root], hardened=True)
        self.target = os.path.join(self.root, "n.txt")

    def test_code_named_like_the_engine_still_reported(self):
        # Engine frames are recognised by code-object identity, not by the filename.
        ns = {"labnative": __import__("labnative")}
        exec(compile("def go(p):\n    labnative.write_text(p, 'x')\n", "<fastaudit>", "exec"), ns)
        self.deny_in(self.ap, "fastaudit.call", ns["go"], self.target)
        self.assertFalse(os.path.exists(self.target))

    def test_staticmethod_wrapped_native_unwrapped(self):
        # Called directly, the callable at the call site is the staticmethod object, of a
        # stdlib type: the hardened rules look through it (__func__) at the native function.
        import labnative
        wrapped = staticmethod(labnative.write_text)
        self.deny_in(self.ap, "fastaudit.call", wrapped, self.target, "x")
        self.assertFalse(os.path.exists(self.target))

    def test_guard_refuses_the_engines_tool_id(self):
        mon = sys.monitoring
        for name, args in (("set_events", (3, 0)), ("set_local_events", (3, self.setUp.__code__, 0)),
                           ("free_tool_id", (3,)), ("register_callback", (3, mon.events.CALL, None)),
                           ("use_tool_id", (3, "evil"))):
            with self.subTest(name=name):
                _, e = self.run_in(self.ap, getattr(mon, name), *args)
                self.assertIsInstance(e, PermissionError)
                self.assertIn("belongs to fa-learn's hardened engine", str(e))
                # outside any context too: the tool id stays the engine's
                _, e = attempt(getattr(mon, name), *args)
                self.assertIsInstance(e, PermissionError)
        self.assertEqual(mon.get_tool(3), "fastaudit")
        # a neighbour: another tool id is free to use
        mon.use_tool_id(5, "neighbour")
        mon.free_tool_id(5)


class TestHardenedSurrogates(EngineTestCase):
    def test_surrogate_thread_name_and_module(self):
        import threading
        ap = fastaudit.mk_audit([self.root], hardened=True)
        t = threading.current_thread()
        old = t.name
        t.name = "\udc80"
        try:
            _, e = self.run_in(ap, os.system, "true")
        finally:
            t.name = old
        self.assertIsInstance(e, PermissionError)
        import labnative

        class Sub:
            __module__ = "\udc80"
            __qualname__ = "\udc81"
            __call__ = labnative.checksum
        _, e = self.run_in(ap, Sub(), b"x")
        self.assertTrue(e is None or isinstance(e, (PermissionError, TypeError)), repr(e))


class TestHardenedNativeSubclass(EngineTestCase):
    """The third monitoring bypass of the review: a Python subclass of a native type that sets
    __module__ = 'json'. Its instances run the native type's C __call__; FastAudit takes the
    module from the instance's __module__ and trusts it, the hardened rules take it from the
    class that defines __call__ (labnative.Hasher, a native type). Each side runs in a fresh
    interpreter: the two rule sets claim the monitoring tool id their own ways."""

    CODE = """
        import sys, fastaudit, labnative
        class Forged(labnative.Hasher):
            __module__ = "json"
        ap = fastaudit.mk_audit([sys.argv[-1]], hardened=sys.argv[-2] == "hardened")
        for name, fn in (("forged", Forged()), ("plain", labnative.Hasher())):
            with ap():
                try:
                    fn(b"x")
                    outcome = "allowed"
                except PermissionError as e:
                    outcome = str(e).split(" with args")[0]
            print(name, outcome)
    """

    def outcomes(self, mode):
        p = run_fresh(self.CODE.replace("sys.argv[-2]", repr(mode)).replace("sys.argv[-1]",
                                                                            repr(self.root)))
        self.assertEqual(p.returncode, 0, proc_report(p))
        return dict(line.split(" ", 1) for line in p.stdout.splitlines())

    def test_still_monitored_hardened(self):
        self.assertEqual(self.outcomes("hardened"),
                         {"forged": "Audit: fastaudit.call blocked in sandbox",
                          "plain": "Audit: fastaudit.call blocked in sandbox"})

    def test_allowed_by_fastaudit(self):
        # FastAudit names a callable by its __qualname__ or __name__, which an instance lacks:
        # it reports neither call (and would trust the forged 'json' if it could name it).
        self.assertEqual(self.outcomes("fastaudit"), {"forged": "allowed", "plain": "allowed"})

if __name__ == "__main__":
    unittest.main()
