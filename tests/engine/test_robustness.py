"""Issue #3, rule 7: odd arguments, failing callbacks, finalisation, leaks. Anything that could
crash runs in a fresh interpreter, so a crash is a failed test, not a dead test run."""
import gc
import os
import sys
import unittest

import fastaudit
import labnative
from helpers import HARDENED_MK, EngineTestCase, attempt, proc_report, run_fresh

# Odd audit events raised by hand: (event, args), as source so that a fresh interpreter can
# build the same table. The engine must answer each with "allowed" or a PermissionError; any
# other exception (SystemError above all) or a crash is a bug.
ODD_EVENTS_SRC = r"""[
    ("open", ()), ("open", ("x",)), ("open", (None, None, None)), ("open", (123, "w", 0)),
    ("open", ("f", 5, "flags")), ("open", ("f", None, "not-an-int")),
    ("open", ("f", None, 2**80)), ("open", ("f", None, -1)), ("open", ("f", b"w", 0)),
    ("open", (b"\xff\xfe/f", "w", 0)), ("open", ("a\0b", "w", 0)),
    ("open", ("\udcff/x", "w", 0)), ("open", (object(), "w", 0)),
    ("open", (memoryview(b"/x"), "w", 0)), ("open", ("/tmp/x", "w" * 100000, 0)),
    ("os.remove", ()), ("os.remove", (None,)), ("os.remove", (3.5, -1)), ("os.remove", ([],)),
    ("os.rename", ("only-one",)), ("os.rename", (1, 2, 3, 4)), ("shutil.copyfile", ("a",)),
    ("os.chdir", ()), ("os.chdir", (7,)), ("os.chdir", (b"",)), ("os.chdir", ("",)),
    ("os.truncate", ()), ("os.truncate", ("x",)), ("os.truncate", (2**100, 0)),
    ("object.__setattr__", ()), ("object.__setattr__", (1,)),
    ("object.__setattr__", (1, 2, 3)), ("object.__setattr__", (1, b"__code__", 3)),
    ("object.__setattr__", (1, None, 3)), ("object.__setattr__", (1, "\udcff", 3)),
    ("os.putenv", ()), ("os.putenv", (1, 2)), ("os.putenv", (None, None)),
    ("os.putenv", ("PATH",)), ("os.unsetenv", ()), ("os.unsetenv", (b"\xff",)),
    ("os.putenv", ("P" * 1000000, "x")),
    ("_thread.start_new_thread", ()), ("_thread.start_new_thread", (None, None, None)),
    ("_thread.start_joinable_thread", (print, 0, None)),
    ("_thread.start_joinable_thread", (object(),)),
    ("fastaudit.call", ()), ("fastaudit.call", (1, 2, 3)), ("audit_perms.enter", (None,)),
    ("", ()), ("x" * 1000000, ()), ("open\0", ()),
    ("os.mkdir", ("x" * 100000, 0)), ("os.mkdir", ("/" + "a/" * 50000, 0)),
    ("import", ("m" * 100000, None, None, None, None)),
]"""

ODD_EVENTS_SCRIPT = r"""
import os, sys, fastaudit
tmp = {tmp!r}
cases = eval({cases!r})

def raiser(*a):
    raise ZeroDivisionError("from before_deny")

for bd in (None, lambda *a: False, lambda *a: True, raiser):
    ap = fastaudit.mk_audit(hardened=True, oks=[tmp], before_deny=bd)
    bad = []
    for ev, args in cases:
        with ap():
            try:
                sys.audit(ev, *args)
            except PermissionError:
                pass
            except ZeroDivisionError as e:
                if bd is not raiser:
                    bad.append((ev[:40], repr(args)[:40], "ZeroDivisionError", str(e)[:100]))
            except BaseException as e:
                bad.append((ev[:40], repr(args)[:40], type(e).__name__, str(e)[:100]))
    print("BAD", bad)
print("DONE")
"""


class TestOddArgs(EngineTestCase):
    def test_odd_audit_events_fresh_interpreter(self):
        code = ODD_EVENTS_SCRIPT.format(tmp=self.root, cases=ODD_EVENTS_SRC)
        p = run_fresh(code, cwd=self.tmp, timeout=300)
        self.assertEqual(p.returncode, 0, proc_report(p)[:3000])
        self.assertIn("DONE", p.stdout)
        bad = [line for line in p.stdout.splitlines()
               if line.startswith("BAD") and line != "BAD []"]
        self.assertEqual(bad, [], "\n".join(b[:1500] for b in bad))

    def test_odd_events_in_process(self):
        # Same table, in this process, with a config that allows nothing.
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        bad = []
        for ev, args in eval(ODD_EVENTS_SRC):
            with ap():
                _, e = attempt(sys.audit, ev, *args)
            if e is not None and not isinstance(e, PermissionError):
                bad.append((ev[:40], type(e).__name__, str(e)[:100]))
        self.assertEqual(bad, [])
        # Still healthy.
        self.deny_in(ap, "os.system", os.system, "true")
        self.allow_in(ap, lambda: open(os.path.join(self.root, "f"), "w").close())

    def test_wrong_types_to_the_api(self):
        bad_calls = [
            lambda: fastaudit.mk_audit(hardened=True, oks=None),
            lambda: fastaudit.mk_audit(hardened=True, oks=5),
            lambda: fastaudit.mk_audit(hardened=True, oks=[5]),
            lambda: fastaudit.mk_audit(hardened=True, oks=[None]),
            lambda: fastaudit.mk_audit(hardened=True, oks=["a\0b"]),
            lambda: fastaudit.mk_audit(hardened=True, oks=[self.root], tool_id="3"),
            lambda: fastaudit.mk_audit(hardened=True, oks=[self.root], tool_id=99),
            lambda: fastaudit.mk_audit(hardened=True, oks=[self.root], tool_id=-1),
            lambda: fastaudit.mk_audit(hardened=True, oks=[self.root], allow_imports=5),
            lambda: fastaudit.mk_audit(hardened=True, oks=[self.root], allow_imports=[5]),
            lambda: fastaudit.mk_audit(hardened=True, oks=[self.root], nonsense=1),
            lambda: fastaudit.trace_start(limit=-1),
            lambda: fastaudit.trace_start(limit="x"),
            lambda: fastaudit.trace_start(limit=2**70),
            lambda: fastaudit.audit_state(1),
            lambda: fastaudit.active_calls(1),
            lambda: fastaudit.track_call(),
        ]
        for i, call in enumerate(bad_calls):
            with self.subTest(i=i):
                _, e = attempt(call)
                self.assertNotIsInstance(e, SystemError)
        fastaudit.trace_stop()
        fastaudit.trace_clear()
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        for i, call in enumerate([lambda: ap(1), lambda: ap.set_data(), lambda: ap.add_imports(5),
                                  lambda: ap.add_imports(None)]):
            with self.subTest(factory_call=i):
                _, e = attempt(call)
                self.assertNotIsInstance(e, SystemError)
        self.assertFalse(fastaudit.audit_state()["active"])
        self.deny_in(ap, "os.system", os.system, "true")

    def test_strange_roots_and_callbacks(self):
        # Callbacks that are not callable, or fail in odd ways: a clean exception, never a
        # SystemError, and the context still restores.
        class WeirdTruth:
            def __bool__(self):
                raise ValueError("no truth")

        for bd in (5, "str", lambda: None, lambda *a: WeirdTruth()):
            with self.subTest(before_deny=repr(bd)[:30]):
                r, e = attempt(HARDENED_MK, [self.root], before_deny=bd)
                if e is not None:
                    self.assertIsInstance(e, TypeError)
                    continue
                with r():
                    _, e2 = attempt(os.system, "true")
                self.assertIsNotNone(e2, "the operation was allowed")
                self.assertNotIsInstance(e2, SystemError)
                self.assertFalse(fastaudit.audit_state()["active"])

    def test_huge_and_bytes_real_paths(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        long_name = os.path.join(self.out, "n" * 5000)
        _, e = self.run_in(ap, open, long_name, "w")
        self.assertIsInstance(e, PermissionError)   # the policy speaks before the OS
        deep = os.path.join(self.root, *(["d"] * 3000), "f")
        _, e = self.run_in(ap, open, deep, "w")
        self.assertIsInstance(e, OSError)   # longer than PATH_MAX: the OS or the policy says no
        _, e = self.run_in(ap, open, os.path.join(self.out, "a\0b"), "w")
        self.assertIsInstance(e, (ValueError, PermissionError))
        _, e = self.run_in(ap, os.remove, os.fsencode(self.out) + b"/\xff\xfe")
        self.assertDenied(e, "os.remove", path=True)
        _, e = self.run_in(ap, os.mkdir, os.fsencode(self.root) + b"/\xff\xfe")
        self.assertIsNone(e)
        self.assertTrue(os.path.isdir(os.fsencode(self.root) + b"/\xff\xfe"))

    def test_fd_opens(self):
        # open() on a file descriptor reports the int as the path. The rule (a write needs
        # the path's parent inside a root) cannot apply; the engine must answer without
        # crashing, either way.
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        fd = os.open(os.path.join(self.root, "f"), os.O_CREAT | os.O_WRONLY)
        r, e = self.run_in(ap, os.fdopen, fd, "w")
        if e is None:
            r.close()
        else:
            os.close(fd)
            self.assertIsInstance(e, PermissionError)


class TestFailingCallbacks(EngineTestCase):
    def test_exception_in_on_call_then_healthy(self):
        n = {"i": 0}

        def on_call(*a):
            n["i"] += 1
            if n["i"] % 2:
                raise KeyError("odd")
            return False

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=on_call)
        results = []
        with ap():
            for _ in range(6):
                results.append(type(attempt(labnative.checksum, b"x")[1]).__name__)
        self.assertEqual(results, ["KeyError", "NoneType"] * 3)
        self.assertIsNone(sys.exc_info()[1])

    def test_before_deny_raising_base_exceptions(self):
        for exc in (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError, RecursionError):
            with self.subTest(exc=exc.__name__):
                def bd(*a, exc=exc):
                    raise exc("from before_deny")

                ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=bd)
                with ap():
                    _, e = attempt(os.system, "true")
                self.assertIsInstance(e, exc)
                self.assertFalse(fastaudit.audit_state()["active"])

    def test_deep_recursion_inside_context(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        def rec(n):
            if n == 0:
                return sys.audit("labtest.deep")
            return rec(n - 1)

        limit = sys.getrecursionlimit()
        _, e = self.run_in(ap, rec, limit - 80)
        self.assertIsInstance(e, (PermissionError, RecursionError))
        self.assertNotIsInstance(e, SystemError)

    def test_callbacks_that_reenter_the_engine(self):
        def before_deny(event, args, frame, msg, data, calls):
            # Allowed events and engine calls from inside the callback work.
            fastaudit.audit_state()
            fastaudit.active_calls()
            open(__file__).close()
            os.listdir(os.path.dirname(__file__))
            return event == "labtest.outer"

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=before_deny)
        self.allow_in(ap, sys.audit, "labtest.outer")
        self.deny_in(ap, "labtest.other", sys.audit, "labtest.other")

    def test_callback_raising_denied_events(self):
        # A denied event raised from inside before_deny: whatever the engine does (deny it,
        # recurse until RecursionError), it must not crash or leave a SystemError.
        p = run_fresh("""
            import sys, fastaudit
            def before_deny(event, *a):
                sys.audit("labtest.from_callback")
                return True
            ap = fastaudit.mk_audit(hardened=True, oks=[], before_deny=before_deny)
            with ap():
                try:
                    sys.audit("labtest.outer")
                    print("allowed")
                except (PermissionError, RecursionError) as e:
                    print(type(e).__name__)
            print(fastaudit.audit_state()["active"])
        """, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual(p.stdout.split()[-1], "False", proc_report(p))


class TestFinalisation(EngineTestCase):
    def test_context_active_at_exit(self):
        head = f"""
import fastaudit, os, sys
ap = fastaudit.mk_audit(hardened=True, oks=[{self.root!r}])
cm = ap()
cm.__enter__()
"""
        for tail in ("", "sys.exit(0)\n", "raise SystemExit(0)\n", "os._exit(0)\n"):
            with self.subTest(tail=tail.strip()):
                p = run_fresh(head + tail, cwd=self.tmp)
                self.assertEqual(p.returncode, 0, proc_report(p))
                self.assertNotIn("Fatal", p.stderr)
                self.assertNotIn("Segmentation", p.stderr)

    def test_events_during_finalisation(self):
        code = f"""
            import fastaudit, os, sys, atexit, threading, weakref
            ap = fastaudit.mk_audit(hardened=True, oks=[{self.root!r}], before_deny=lambda *a: False)
            class Late:
                def __del__(self):
                    try:
                        open({os.path.join(self.out, "late")!r}, "w").close()
                    except Exception:
                        pass
            holder = Late()
            def at_exit():
                with ap():
                    try:
                        os.listdir(".")
                        sys.audit("labtest.at_exit")
                    except PermissionError:
                        print("denied-at-exit")
            atexit.register(at_exit)
            cm = ap()
            cm.__enter__()
            sys.modules["__main__"].keep = Late()
            print("end")
        """
        p = run_fresh(code, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertIn("end", p.stdout)
        self.assertIn("denied-at-exit", p.stdout)
        for bad in ("Fatal", "Segmentation", "SystemError", "Traceback"):
            self.assertNotIn(bad, p.stderr)

    def test_monitoring_active_at_exit(self):
        p = run_fresh("""
            import fastaudit, labnative
            ap = fastaudit.mk_audit(hardened=True, oks=[], on_call=lambda *a: False)
            cm = ap()
            cm.__enter__()
            for _ in range(100):
                labnative.checksum(b"x")
        """, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual(p.stderr, "")


class TestLeaks(EngineTestCase):
    ROUNDS = 4000

    def measure(self, fn):
        """Growth over ROUNDS calls of the total refcount (debug build) or of the live
        pymalloc blocks, and of the bytes traced by tracemalloc (which also sees the engine's
        PyMem_Raw* allocations, and works under PYTHONMALLOC=malloc where
        sys.getallocatedblocks() is always 0). Fails the test itself when bytes keep growing."""
        import tracemalloc
        counter = getattr(sys, "gettotalrefcount", None) or sys.getallocatedblocks
        for _ in range(1000):   # warm up caches, interned strings, free lists
            fn()
        gc.collect()
        before = counter()
        for _ in range(self.ROUNDS):
            fn()
        gc.collect()
        growth = counter() - before
        window = self.ROUNDS // 4
        tracemalloc.start()
        try:
            for _ in range(2 * window):   # caches that fill up once are not leaks
                fn()
            windows = []
            for _ in range(3):        # a leak shows in every window
                gc.collect()
                traced_before = tracemalloc.get_traced_memory()[0]
                for _ in range(window):
                    fn()
                gc.collect()
                windows.append(tracemalloc.get_traced_memory()[0] - traced_before)
        finally:
            tracemalloc.stop()
        self.assertLess(min(windows), window * 8, f"bytes kept per {window} rounds "
                        f"(tracemalloc): {windows}")
        return growth

    def test_mk_audit_enter_exit_loop(self):
        root, out = self.root, self.out

        def once():
            ap = fastaudit.mk_audit(hardened=True, oks=[root, out + "/x"], before_deny=lambda *a: False,
                                    data={"k": [1]}, allow_imports=("labx",))
            with ap():
                pass
            ap.set_data(None)
            ap.add_imports("laby")

        growth = self.measure(once)
        self.assertLess(growth, self.ROUNDS // 4, f"{growth} blocks/refs kept over "
                        f"{self.ROUNDS} mk_audit/enter/exit rounds")

    def test_denial_loop(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=lambda *a: False)
        target = os.path.join(self.out, "f")

        def once():
            with ap():
                try:
                    open(target, "w")
                except PermissionError:
                    pass
                try:
                    os.system("true")
                except PermissionError:
                    pass

        growth = self.measure(once)
        self.assertLess(growth, self.ROUNDS // 4, f"{growth} kept over {self.ROUNDS} denials")

    def test_monitoring_and_trace_loop(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda *a: False)
        fastaudit.trace_start(limit=50)
        self.addCleanup(fastaudit.trace_clear)
        self.addCleanup(fastaudit.trace_stop)

        def once():
            with ap():
                labnative.checksum(b"abc")
                open(__file__).close()

        growth = self.measure(once)
        self.assertLess(growth, self.ROUNDS // 4, f"{growth} kept over {self.ROUNDS} rounds")
        self.assertLessEqual(len(fastaudit.trace()), 50)

    def test_track_call_loop(self):
        import asyncio

        @fastaudit.track_call
        async def tool(x):
            return len(fastaudit.active_calls())

        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)

        def once():
            loop.run_until_complete(tool([1, 2]))

        growth = self.measure(once)
        self.assertLess(growth, self.ROUNDS // 4, f"{growth} kept over {self.ROUNDS} calls")


if __name__ == "__main__":
    unittest.main()
