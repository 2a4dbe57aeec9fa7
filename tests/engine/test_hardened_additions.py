"""Issue 12, hardened additions beyond FastAudit 0.2.7: extra protected environment names,
sqlite3.connect URIs judged by their path, subinterpreter imports refused in or out of the
sandbox. Each test shows the hardened decision and, beside it, FastAudit's (the default mode)
on the same call, so a test fails if either side changes."""
import os
import sqlite3
import sys
import unittest

import fastaudit
from helpers import EngineTestCase, attempt


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


if __name__ == "__main__":
    unittest.main()
