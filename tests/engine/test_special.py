"""Issue #3, rule 3, special cases: object.__setattr__, environment variables, thread starts."""
import asyncio
import collections
import concurrent.futures
import dataclasses
import os
import sys
import threading
import unittest

import fastaudit
from helpers import EngineTestCase, attempt, proc_report, run_fresh


def original():
    return "original"


def replacement():
    return "replaced"


def with_kw(*, k=1):
    return k


class TestSetattr(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

    def test_code_denied(self):
        def f():
            return "original"

        self.deny_in(self.ap, "object.__setattr__", setattr, f, "__code__", replacement.__code__)
        self.assertEqual(f(), "original")
        # Neighbour: outside the context the same assignment works.
        f.__code__ = replacement.__code__
        self.assertEqual(f(), "replaced")

    def test_kwdefaults_denied_defaults_allowed(self):
        def f(a=1, *, k=1):
            return a, k

        self.deny_in(self.ap, "object.__setattr__", setattr, f, "__kwdefaults__", {"k": 2})
        self.assertEqual(f(), (1, 1))
        self.allow_in(self.ap, setattr, f, "__defaults__", (5,))
        self.assertEqual(f(), (5, 1))

    def test_type_attributes(self):
        class Base1:
            pass

        class Base2:
            pass

        class C(Base1):
            pass

        class Other:
            pass

        self.deny_in(self.ap, "object.__setattr__", setattr, C, "__name__", "Renamed")
        self.assertEqual(C.__name__, "C")
        self.deny_in(self.ap, "object.__setattr__", setattr, C, "__type_params__", ())
        for name, value in (("__qualname__", "Q"), ("__doc__", "doc"), ("__module__", "mod"),
                            ("__bases__", (Base2,))):
            with self.subTest(attr=name):
                self.allow_in(self.ap, setattr, C, name, value, what=name)
                self.assertEqual(getattr(C, name), value)
        obj = C()
        self.allow_in(self.ap, setattr, obj, "__class__", Other, what="__class__")
        self.assertIs(type(obj), Other)

    def test_everyday_code_that_sets_special_attributes(self):
        # namedtuple sets __module__, dataclass sets __doc__: both must keep working.
        def build():
            P = collections.namedtuple("P", "x y")

            @dataclasses.dataclass
            class D:
                x: int = 0

            return P(1, 2), D(3)

        r = self.allow_in(self.ap, build)
        self.assertEqual(r[0].x, 1)
        self.assertEqual(r[1].x, 3)

    def test_delattr_allowed(self):
        def f(a=1):
            return a

        self.allow_in(self.ap, delattr, f, "__defaults__")
        self.assertIsNone(f.__defaults__)

    def test_message_names_the_attribute(self):
        e = self.deny_in(self.ap, "object.__setattr__", setattr, original, "__code__",
                         replacement.__code__)
        self.assertIn("'__code__'", str(e).split("\n")[0])
        self.assertEqual(original(), "original")


class TestEnvironment(EngineTestCase):
    PROTECTED = ["PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES",
                 "VIRTUAL_ENV", "CONDA_PREFIX", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR",
                 "TEMP", "TMP"]
    PREFIXED = ["PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHON", "PIP_INDEX_URL",
                "PIP_", "UV_INDEX_URL", "UV_"]
    HARMLESS = ["FA_ENGINE_TEST", "MY_PATH", "PATHX", "XPYTHON", "PIPX_HOME", "UVX", "HOMEDIR",
                "PY", "PIP", "LANG_TEST"]

    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.snapshot = dict(os.environ)
        self.addCleanup(self.restore_env)

    def restore_env(self):
        # Runs outside any context. If the engine wrongly let a change through, undo it in
        # the C environment (os.putenv/os.unsetenv bypass os.environ) and in os.environ.
        names = set(self.HARMLESS) | {"FA_ENGINE_TEST", "PYTHONINSPECT"}
        for name in self.PROTECTED + self.PREFIXED:
            names |= {name, name.lower(), name.capitalize()}
        for name in names:
            if name in self.snapshot:
                os.putenv(name, self.snapshot[name])
            else:
                os.unsetenv(name)
        os.environ.clear()
        os.environ.update(self.snapshot)

    def test_protected_names_denied_case_insensitively(self):
        for name in self.PROTECTED:
            for variant in (name, name.lower(), name.capitalize()):
                with self.subTest(name=variant):
                    self.deny_in(self.ap, "os.putenv", os.putenv, variant, "/evil")
                    self.deny_in(self.ap, "os.unsetenv", os.unsetenv, variant)
        self.assertEqual(os.environ.get("PATH"), self.snapshot.get("PATH"))

    def test_prefixed_names_denied(self):
        for name in self.PREFIXED:
            for variant in (name, name.lower()):
                with self.subTest(name=variant):
                    self.deny_in(self.ap, "os.putenv", os.putenv, variant, "x")
                    self.deny_in(self.ap, "os.unsetenv", os.unsetenv, variant)

    def test_other_names_allowed(self):
        for name in self.HARMLESS:
            with self.subTest(name=name):
                self.allow_in(self.ap, os.putenv, name, "1", what=name)
                self.allow_in(self.ap, os.unsetenv, name, what=name)

    def test_os_environ_mapping(self):
        # os.environ assignments go through os.putenv / os.unsetenv.
        self.allow_in(self.ap, os.environ.__setitem__, "FA_ENGINE_TEST", "yes")
        self.assertEqual(os.environ["FA_ENGINE_TEST"], "yes")
        self.deny_in(self.ap, "os.putenv", os.environ.__setitem__, "HOME", "/tmp/evil")
        self.assertEqual(os.environ.get("HOME"), self.snapshot.get("HOME"))
        if "PATH" in os.environ:
            self.deny_in(self.ap, "os.unsetenv", os.environ.__delitem__, "PATH")
        self.allow_in(self.ap, os.environ.pop, "FA_ENGINE_TEST")

    def test_undecodable_name_denied(self):
        self.deny_in(self.ap, "os.putenv", os.putenv, b"FA_\xff\xfe", b"1")
        self.deny_in(self.ap, "os.putenv", os.putenv, "FA_\udcff", "1")   # surrogateescape
        self.deny_in(self.ap, "os.unsetenv", os.unsetenv, b"\xc3\x28")
        # Neighbours: a decodable bytes name, and an undecodable VALUE, are fine.
        self.allow_in(self.ap, os.putenv, b"FA_ENGINE_TEST", b"1")
        self.allow_in(self.ap, os.putenv, b"FA_ENGINE_TEST", b"\xff\xfe")

    def test_environment_unchanged_after_denial(self):
        import subprocess
        self.deny_in(self.ap, "os.putenv", os.putenv, "PYTHONINSPECT", "1")
        # A child spawned afterwards (outside the context) does not see the denied value.
        out = subprocess.run(["/bin/sh", "-c", "echo \"[$PYTHONINSPECT]\""],
                             capture_output=True, text=True).stdout.strip()
        self.assertEqual(out, "[" + self.snapshot.get("PYTHONINSPECT", "") + "]")


class TestThreads(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

    def test_thread_start_denied(self):
        ran = []
        t = threading.Thread(target=lambda: ran.append(1), name="worker")
        self.deny_in(self.ap, "_thread.start_joinable_thread", t.start)
        self.assertEqual(ran, [])
        self.assertNotIn(t, threading.enumerate())
        # Neighbour: outside the context, threads start.
        t2 = threading.Thread(target=lambda: ran.append(2))
        t2.start()
        t2.join()
        self.assertEqual(ran, [2])

    def test_start_new_thread_denied(self):
        import _thread
        ran = threading.Event()
        self.deny_in(self.ap, "_thread.start_new_thread", _thread.start_new_thread, ran.set, ())
        self.assertFalse(ran.wait(0.2))

    def test_thread_named_asyncio_not_from_run_in_executor_denied(self):
        t = threading.Thread(target=lambda: None, name="asyncio_0")
        self.deny_in(self.ap, "_thread.start_joinable_thread", t.start)
        ex = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="asyncio")
        try:
            self.deny_in(self.ap, "_thread.start_joinable_thread", ex.submit, lambda: 1)
        finally:
            ex.shutdown(wait=True)

    def test_asyncio_default_executor_allowed(self):
        ap = self.ap
        seen = {}

        def work():
            seen["thread"] = threading.current_thread().name
            return 42

        async def main():
            loop = asyncio.get_running_loop()
            with ap():
                return await loop.run_in_executor(None, work)

        # asyncio.run is outside the context: its own shutdown thread is not judged.
        self.assertEqual(asyncio.run(main()), 42)
        self.assertTrue(seen["thread"].startswith("asyncio_"), seen)

    def test_run_in_executor_with_other_executor_denied(self):
        ap = self.ap
        ex = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="worker")

        async def main():
            loop = asyncio.get_running_loop()
            with ap():
                return attempt(loop.run_in_executor, ex, lambda: 1)

        try:
            _, e = asyncio.run(main())
        finally:
            ex.shutdown(wait=True)
        self.assertDenied(e, "_thread.start_joinable_thread")

    def test_threads_do_not_inherit_the_context(self):
        seen = {}
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=lambda ev, *a: ev.startswith("_thread."))

        def probe():
            seen["active"] = fastaudit.audit_state()["active"]
            seen["exc"] = attempt(sys.audit, "labtest.in_thread")[1]

        def go():
            t = threading.Thread(target=probe)
            t.start()
            return t

        with ap():
            t, e = attempt(go)
            inside = fastaudit.audit_state()["active"]
        self.assertIsNone(e)
        t.join()
        self.assertTrue(inside)
        self.assertEqual(seen, {"active": False, "exc": None})


if __name__ == "__main__":
    unittest.main()


class TestHookRefused(unittest.TestCase):
    """PySys_AddAuditHook silently adds nothing when an earlier hook refuses
    sys.addaudithook with RuntimeError; mk_audit must say so instead of enforcing nothing."""

    def test_mk_audit_fails_when_its_hook_is_refused(self):
        p = run_fresh("""
            import sys, fastaudit
            def gate(event, args):
                if event == "sys.addaudithook":
                    raise RuntimeError("no more hooks")
            sys.addaudithook(gate)
            try:
                fastaudit.mk_audit(hardened=True, oks=["."])
            except RuntimeError as e:
                print("refused:", e)
            else:
                print("mk_audit succeeded")
            """)
        self.assertIn("refused: FastAudit's audit hook could not be installed", p.stdout,
                      proc_report(p))

    def test_installing_sends_no_event_of_its_own(self):
        """Whether the hook was added is read from the runtime's hook list: the program's
        hooks hear sys.addaudithook and nothing else of the engine's making."""
        p = run_fresh("""
            import sys, fastaudit
            heard = []
            sys.addaudithook(lambda event, args: heard.append(event))
            fastaudit.mk_audit(hardened=True, oks=["."])
            print(sorted({e for e in heard if e.startswith(("fastaudit", "sys.add"))}))
            """)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertIn("['sys.addaudithook']", p.stdout, proc_report(p))
