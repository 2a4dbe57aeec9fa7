"""Issue #3, rule 5: native call monitoring through sys.monitoring."""
import functools
import math
import os
import sys
import unittest

import fastaudit
import labnative
from helpers import (CALL, EngineTestCase, first_line, proc_report, run_fresh, tracing,
                     write_dist_info)

mon = sys.monitoring


def call_labnative():
    return labnative.checksum(b"abc")


class TestOnOffCount(EngineTestCase):
    def events(self, tool=3):
        return mon.get_events(tool) & CALL

    def test_call_events_follow_the_count(self):
        a = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.assertEqual(self.events(), 0, "CALL events on while no context is active")
        with a():
            s1 = self.events(), fastaudit.audit_state()["monitor_on"]
            with a():
                s2 = self.events(), fastaudit.audit_state()["monitor_on"]
            s3 = self.events(), fastaudit.audit_state()["monitor_on"]
        s4 = self.events(), fastaudit.audit_state()["monitor_on"]
        self.assertEqual(s1, (CALL, 1))
        self.assertEqual(s2, (CALL, 2))
        self.assertEqual(s3, (CALL, 1), "the first exit switched monitoring off")
        self.assertEqual(s4, (0, 0), "the last exit left monitoring on")

    def test_monitor_calls_false_does_not_count(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        with ap():
            s = self.events(), fastaudit.audit_state()["monitor_on"]
        self.assertEqual(s, (0, 0))

    def test_count_across_tasks(self):
        import asyncio
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        samples = []

        async def worker(ev_in, ev_out):
            with ap():
                samples.append(fastaudit.audit_state()["monitor_on"])
                ev_in.set()
                await ev_out.wait()
            samples.append(fastaudit.audit_state()["monitor_on"])

        async def main():
            e1, e2, e3 = asyncio.Event(), asyncio.Event(), asyncio.Event()
            t1 = asyncio.create_task(worker(e1, e3))
            await e1.wait()
            t2 = asyncio.create_task(worker(e2, e3))
            await e2.wait()
            samples.append(("both", self.events()))
            e3.set()
            await asyncio.gather(t1, t2)
            samples.append(("none", self.events()))

        asyncio.run(main())
        self.assertEqual(samples[:3], [1, 2, ("both", CALL)])
        self.assertEqual(sorted(samples[3:5]), [0, 1])
        self.assertEqual(samples[5], ("none", 0))

    def test_other_tool_id(self):
        # A fresh interpreter, so that no earlier config has claimed tool 3.
        p = run_fresh("""
            import sys, fastaudit, labnative
            mon = sys.monitoring
            ap = fastaudit.mk_audit(hardened=True, oks=[], tool_id=4)
            with ap():
                s = mon.get_events(4) & mon.events.CALL, fastaudit.audit_state()["tool_id"]
                try:
                    labnative.checksum(b"x")
                    e = "allowed"
                except PermissionError as exc:
                    e = "denied" if "fastaudit.call" in str(exc) else repr(exc)
            print(s == (mon.events.CALL, 4), mon.get_events(4), e)
        """)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual(p.stdout.strip(), "True 0 denied")

    def test_tool_id_used_by_another_tool_refused(self):
        p = run_fresh("""
            import sys, fastaudit
            mon = sys.monitoring
            mon.use_tool_id(5, "someone-else")
            try:
                fastaudit.mk_audit(hardened=True, oks=[], tool_id=5)
                print("accepted")
            except SystemError as e:
                print("SystemError", e)
            except Exception as e:
                print("refused")
            print(mon.get_tool(5))
            ap = fastaudit.mk_audit(hardened=True, oks=[], tool_id=3)   # a free id still works
            with ap():
                print(mon.get_events(3) & mon.events.CALL == mon.events.CALL)
        """)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual(p.stdout.split(), ["refused", "someone-else", "True"])


class TestDisableAndCounters(EngineTestCase):
    def test_stdlib_call_sites_disabled(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        def loop():
            s = 0
            for i in range(500):
                s += len("abc") + abs(-i) + int(math.sqrt(4)) + os.getpid() * 0
            return s

        with tracing():
            self.allow_in(ap, loop)
        c = fastaudit.counters()
        self.assertGreaterEqual(c["sites_disabled"], 4, c)
        self.assertLess(c["monitor_callbacks"], 100, f"sites were not disabled: {c}")
        self.assertEqual(c["native_calls"], 0, c)

    def test_false_keeps_the_site_live(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda *a: False)

        def loop():
            for _ in range(300):
                labnative.checksum(b"x")

        with tracing():
            self.allow_in(ap, loop)
        c = fastaudit.counters()
        self.assertGreaterEqual(c["monitor_callbacks"], 300, c)

    def test_disable_from_on_call_seen_in_counters(self):
        seen = []
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda *a: seen.append(1) or mon.DISABLE)

        def loop():
            for _ in range(300):
                labnative.checksum(b"x")

        with tracing():
            self.allow_in(ap, loop)
        c = fastaudit.counters()
        self.assertEqual(len(seen), 1)
        self.assertGreaterEqual(c["sites_disabled"], 1, c)
        self.assertLess(c["monitor_callbacks"], 100, c)

    def test_reported_native_calls_counted(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=lambda ev, *a: ev == "fastaudit.call")

        def loop():
            for _ in range(50):
                labnative.checksum(b"x")

        with tracing():
            self.allow_in(ap, loop)
        c = fastaudit.counters()
        self.assertGreaterEqual(c["native_calls"], 50, c)

    def test_restart_on_entry_counts_again(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        def site():
            return len("abc")

        with tracing():
            self.allow_in(ap, site)
            first = fastaudit.counters()["sites_disabled"]
            self.allow_in(ap, site)
            second = fastaudit.counters()["sites_disabled"]
        self.assertGreaterEqual(first, 1)
        self.assertGreater(second, first, "the second entry did not restart disabled sites")


class TestClassification(EngineTestCase):
    """Which callables reach on_call: only native, non-stdlib, non-safe ones."""

    def setUp(self):
        super().setUp()
        self.seen = []
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda c, callee, *a:
                                     self.seen.append(callee) or False)

    def test_labnative_caught(self):
        for fn, args in ((labnative.checksum, (b"a",)), (labnative.spin, (3,)),
                         (labnative.write_text, (os.path.join(self.root, "w.txt"), "t"))):
            with self.subTest(fn=fn.__name__):
                del self.seen[:]
                self.allow_in(self.ap, fn, *args)
                self.assertEqual(self.seen, [f"labnative.{fn.__name__}"])

    def test_denied_write_text_never_writes(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        target = os.path.join(self.out, "native.txt")
        e = self.deny_in(ap, "fastaudit.call", labnative.write_text, target, "t")
        self.assertIn("labnative.write_text", first_line(e))
        self.assertFalse(os.path.exists(target))

    def test_python_callables_not_reported(self):
        class Plain:
            def __init__(self, x=0):
                self.x = x

            def method(self):
                return self.x

            @staticmethod
            def static():
                return 1

            @classmethod
            def klass(cls):
                return cls

        class CallableObj:
            def __call__(self):
                return 2

        class Spy:
            log = []

            def __getattr__(self, name):
                Spy.log.append(name)
                raise AttributeError(name)

            def __call__(self):
                return 3

        def py(a=1):
            return a

        @functools.wraps(py)
        def wrapper(*a):
            return py(*a)

        def run():
            py()
            functools.partial(py, 2)()
            Plain(1).method()
            Plain.static()
            Plain.klass()
            CallableObj()()
            Spy()()
            wrapper()
            (lambda: 0)()
            sorted([3, 1], key=py)
            return [py(i) for i in range(3)]

        self.allow_in(self.ap, run)
        self.assertEqual(self.seen, [])
        self.assertEqual(Spy.log, [], "the monitor triggered __getattr__")

    def test_stdlib_callables_not_reported(self):
        class MyDict(dict):
            pass

        class MyList(list):
            pass

        d, lst = MyDict(a=1), MyList([1])

        def run():
            len("x")
            math.sqrt(4)
            os.getpid()
            [].append(1)
            d.get("a")                 # bound C method of a class defined here
            lst.append(2)
            dict.fromkeys("ab")
            "x".upper()
            str.upper("x")             # a method descriptor: __objclass__ is str
            sys.getrecursionlimit()
            functools.reduce(lambda a, b: a + b, [1, 2])
            functools.partial(max, 1)(2)
            fastaudit.audit_state()    # the engine's own functions
            fastaudit.active_calls()

        self.allow_in(self.ap, run)
        self.assertEqual(self.seen, [])

    def test_partial_of_native_is_unwrapped(self):
        p = functools.partial(labnative.checksum, b"q")
        self.allow_in(self.ap, p)
        self.assertIn("labnative.checksum", self.seen)

    def test_no_report_outside_contexts(self):
        call_labnative()
        self.assertEqual(self.seen, [])
        with self.ap():
            pass
        call_labnative()
        self.assertEqual(self.seen, [])


class TestSafeNative(EngineTestCase):
    """fastaudit_safe_native entry points (a fresh interpreter reads them)."""

    BODY = """
import fastaudit, labnative
ap = fastaudit.mk_audit(hardened=True, oks=[])
print(list(fastaudit.audit_state()["safe_native"]))
with ap():
    try:
        labnative.checksum(b"x")
        print("allowed")
    except PermissionError as e:
        print("denied" if "fastaudit.call" in str(e) else repr(e))
"""

    def run_with(self, prefix):
        site = os.path.join(self.tmp, "site")
        os.makedirs(site, exist_ok=True)
        write_dist_info(site, "labsafe", {"fastaudit_safe_native": {prefix: prefix}})
        code = f"import sys\nsys.path.insert(0, {site!r})\n" + self.BODY
        p = run_fresh(code, pythonpath=site, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        return p.stdout.splitlines()

    def test_safe_native_prefix_allows(self):
        out = self.run_with("labnative")
        self.assertIn("labnative", eval(out[0]))
        self.assertEqual(out[1], "allowed")

    def test_non_matching_prefix_does_not(self):
        out = self.run_with("labnat")   # a string prefix, not a module prefix
        self.assertIn("labnat", eval(out[0]))
        self.assertEqual(out[1], "denied")

    def test_entry_point_targets_not_imported(self):
        site = os.path.join(self.tmp, "site")
        os.makedirs(site, exist_ok=True)
        write_dist_info(site, "labsafe2", {"fastaudit_safe_native": {"boom": "labboom"}},
                        {"labboom.py": "raise SystemExit('safe-native target was imported')\n"})
        code = (f"import sys\nsys.path.insert(0, {site!r})\nimport fastaudit\n"
                "ap = fastaudit.mk_audit(hardened=True, oks=[])\nwith ap(): pass\n"
                "print('labboom' in fastaudit.audit_state()['safe_native'],"
                " 'labboom' in sys.modules)\n")
        p = run_fresh(code, pythonpath=site, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual(p.stdout.strip(), "True False")


if __name__ == "__main__":
    unittest.main()
