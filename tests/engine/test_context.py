"""Issue #3, Python API: activation scope, nesting and tokens, asyncio tasks, leaked contexts,
track_call/active_calls, set_data/add_imports, import allowance, audit_state."""
import asyncio
import contextvars
import importlib
import os
import sys
import threading
import unittest
import uuid

import fastaudit
from helpers import HARDENED_MK, EngineTestCase, attempt, lines, rec


def write(path):
    with open(path, "w") as f:
        f.write("x")


class TestActivation(EngineTestCase):
    def test_active_only_inside(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.assertFalse(fastaudit.audit_state()["active"])
        with ap():
            st = fastaudit.audit_state()
        self.assertTrue(st["active"])
        self.assertFalse(fastaudit.audit_state()["active"])
        self.assertIsNone(attempt(sys.audit, "labtest.outside")[1])

    def test_audit_state_keys(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], tool_id=3, monitor_calls=True)
        outside = fastaudit.audit_state()
        with ap():
            inside = fastaudit.audit_state()
        for st in (outside, inside):
            self.assertLessEqual({"safe_native", "import_allow", "monitoring", "tool_id",
                                  "active", "monitor_on", "monitor_calls"}, set(st))
            self.assertIsInstance(st["safe_native"], tuple)
            self.assertTrue(all(isinstance(s, str) for s in st["safe_native"]))
            self.assertIsInstance(st["import_allow"], tuple)
            self.assertIs(st["monitoring"], True)
            self.assertIsInstance(st["tool_id"], int)
            self.assertIsInstance(st["monitor_on"], int)
        self.assertEqual(outside["tool_id"], 3)
        self.assertIs(outside["active"], False)
        self.assertIsNone(outside["monitor_calls"])
        self.assertEqual(outside["monitor_on"], 0)
        self.assertIs(inside["active"], True)
        self.assertIs(inside["monitor_calls"], True)
        self.assertEqual(inside["monitor_on"], 1)

    def test_monitor_calls_false_state(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        with ap():
            st = fastaudit.audit_state()
        self.assertIs(st["monitor_calls"], False)
        self.assertEqual(st["monitor_on"], 0)

    def test_exception_in_block_restores(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        with self.assertRaises(KeyError):
            with ap():
                raise KeyError("x")
        self.assertFalse(fastaudit.audit_state()["active"])
        self.assertIsNone(attempt(write, os.path.join(self.out, "f"))[1])

    def test_denial_inside_does_not_stick(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        try:
            with ap():
                os.system("true")
        except PermissionError:
            pass
        self.assertFalse(fastaudit.audit_state()["active"])


class TestNesting(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.other = os.path.join(self.tmp, "other")
        os.mkdir(self.other)

    def test_inner_config_then_outer_restored(self):
        inner = fastaudit.mk_audit(hardened=True, oks=[self.other], monitor_calls=False, tool_id=3)
        outer = fastaudit.mk_audit(hardened=True, oks=[self.root],
                                   before_deny=lambda ev, *a: ev == "audit_perms.enter")
        a, b = os.path.join(self.root, "f"), os.path.join(self.other, "f")
        with outer():
            r1 = attempt(write, a), attempt(write, b)
            with inner():
                r2 = attempt(write, a), attempt(write, b)
                st2 = fastaudit.audit_state()
            r3 = attempt(write, a), attempt(write, b)
            st3 = fastaudit.audit_state()
        self.assertAllowed(r1[0][1], "outer: root")
        self.assertDenied(r1[1][1], "open", path=True)
        self.assertDenied(r2[0][1], "open", path=True)
        self.assertAllowed(r2[1][1], "inner: other")
        self.assertAllowed(r3[0][1], "outer again: root")
        self.assertDenied(r3[1][1], "open", path=True)
        self.assertIs(st2["monitor_calls"], False)
        self.assertIs(st3["monitor_calls"], True)
        self.assertFalse(fastaudit.audit_state()["active"])

    def test_entering_another_config_inside_is_denied(self):
        outer = fastaudit.mk_audit(hardened=True, oks=[self.root])
        wide = fastaudit.mk_audit(hardened=True, oks=[self.out], monitor_calls=False)
        with outer():
            r, e = attempt(lambda: wide().__enter__())
            after = attempt(write, os.path.join(self.out, "f"))[1]
        self.assertDenied(e, "audit_perms.enter")
        self.assertDenied(after, "open", path=True)
        self.assertFalse(os.path.exists(os.path.join(self.out, "f")))

    def test_same_config_reentry_allowed(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        with ap():
            with ap():
                st = fastaudit.audit_state()
                r = attempt(write, os.path.join(self.root, "f"))
            still = fastaudit.audit_state()["active"]
            d = attempt(write, os.path.join(self.out, "f"))
        self.assertTrue(st["active"] and still)
        self.assertIsNone(r[1])
        self.assertDenied(d[1], "open", path=True)

    def test_tokens_restore_previous_value_explicit_enter_exit(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        cm1, cm2 = ap(), ap()
        cm1.__enter__()
        try:
            cm2.__enter__()
            try:
                inner = fastaudit.audit_state()["active"]
            finally:
                cm2.__exit__(None, None, None)
            middle = fastaudit.audit_state()["active"]
            denied = attempt(sys.audit, "labtest.mid")[1]
        finally:
            cm1.__exit__(None, None, None)
        self.assertTrue(inner)
        self.assertTrue(middle, "exiting the inner context switched the outer one off")
        self.assertDenied(denied, "labtest.mid")
        self.assertFalse(fastaudit.audit_state()["active"])

    def test_context_left_open_in_a_task_does_not_leak_to_parent(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)

        async def child():
            ap().__enter__()       # never exited: only this task's context copy changes
            return fastaudit.audit_state()["active"]

        async def main():
            inner = await asyncio.create_task(child())
            return inner, fastaudit.audit_state()["active"]

        self.assertEqual(asyncio.run(main()), (True, False))


class TestAsyncio(EngineTestCase):
    def test_tasks_inherit_at_creation(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        async def probe():
            await asyncio.sleep(0)
            return fastaudit.audit_state()["active"], attempt(sys.audit, "labtest.t")[1]

        async def main():
            before = asyncio.create_task(probe())        # created outside: not policed
            with ap():
                inside = asyncio.create_task(probe())    # created inside: inherits
                gathered = await asyncio.gather(probe(), probe())
            return await before, await inside, gathered

        before, inside, gathered = asyncio.run(main())
        self.assertEqual(before, (False, None))
        self.assertTrue(inside[0])
        self.assertDenied(inside[1], "labtest.t")
        for g in gathered:
            self.assertTrue(g[0])
            self.assertDenied(g[1], "labtest.t")

    def test_concurrent_tasks_are_isolated(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        out = os.path.join(self.out, "f")

        async def policed(ev1, ev2):
            with ap():
                ev1.set()
                await ev2.wait()         # the free task runs while we are inside
                return attempt(write, out)[1]

        async def free(ev1, ev2):
            await ev1.wait()
            e = attempt(write, out)[1]
            ev2.set()
            return e

        async def main():
            ev1, ev2 = asyncio.Event(), asyncio.Event()
            return await asyncio.gather(policed(ev1, ev2), free(ev1, ev2))

        e_policed, e_free = asyncio.run(main())
        self.assertDenied(e_policed, "open", path=True)
        self.assertIsNone(e_free)


class TestLeakedContexts(EngineTestCase):
    def test_leaked_into_a_thread(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        result = {}

        def victim():
            result["e"] = attempt(os.system, "true")[1]

        with ap():
            leaked = contextvars.copy_context()
            same = attempt(os.system, "true")[1]
        t = threading.Thread(target=leaked.run, args=(victim,), name="leaky-worker")
        t.start()   # outside the context
        t.join()
        e = result["e"]
        self.assertDenied(e, "os.system")
        ls = lines(e)
        self.assertEqual(len(ls), 3, ls)
        self.assertTrue(ls[2].startswith("Audit context entered in thread 'MainThread' by: "),
                        ls[2])
        self.assertIn(self.tid(), ls[2])
        self.assertIn(f"{type(self).__qualname__}.test_leaked_into_a_thread.<locals>.victim",
                      ls[1])
        # Neighbour: the denial in the thread that entered has no origin line.
        self.assertDenied(same, "os.system")
        self.assertEqual(len(lines(same)), 2, lines(same))

    def test_leaked_into_the_asyncio_executor(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        def victim():
            return threading.current_thread().name, attempt(os.system, "true")[1]

        async def entering_coroutine():
            loop = asyncio.get_running_loop()
            with ap():
                ctx = contextvars.copy_context()
                return await loop.run_in_executor(None, ctx.run, victim)

        name, e = asyncio.run(entering_coroutine())
        self.assertTrue(name.startswith("asyncio_"))
        self.assertDenied(e, "os.system")
        ls = lines(e)
        self.assertEqual(len(ls), 3, ls)
        self.assertTrue(ls[2].startswith("Audit context entered in thread 'MainThread' by: "))
        self.assertIn("entering_coroutine", ls[2])

    def test_leaked_into_a_task(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        async def child_task():
            await asyncio.sleep(0)
            return attempt(os.system, "true")[1]

        async def entering_task():
            with ap():
                t = asyncio.create_task(child_task())   # inherits a copy of the context
                own = attempt(os.system, "true")[1]
            return own, await t

        own, e = asyncio.run(entering_task())
        self.assertDenied(e, "os.system")
        ls = lines(e)
        self.assertEqual(len(ls), 3, ls)
        self.assertTrue(ls[2].startswith("Audit context entered in thread 'MainThread' by: "))
        self.assertIn("entering_task", ls[2])
        self.assertNotIn("child_task", ls[2])
        self.assertIn("child_task", ls[1])
        self.assertDenied(own, "os.system")
        self.assertEqual(len(lines(own)), 2, lines(own))

    def test_origin_chain_names_the_entering_function(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        def enter_here():
            with ap():
                return contextvars.copy_context()

        leaked = enter_here()
        box = {}
        t = threading.Thread(target=lambda: box.update(e=leaked.run(attempt, sys.audit,
                                                                    "labtest.leak")[1]))
        t.start()
        t.join()
        e = box["e"]
        self.assertDenied(e, "labtest.leak")
        origin = lines(e)[2]
        chain = origin.split(" by: ", 1)[1].split(" -> ")
        self.assertEqual(chain[-1], f"{self.tid()}.<locals>.enter_here", origin)
        self.assertIn(self.tid(), chain)


class TestTrackCall(EngineTestCase):
    def test_non_coroutines_returned_unchanged(self):
        def f():
            pass

        class C:
            def m(self):
                pass

        for obj in (f, C, C().m, len, 5, None):
            self.assertIs(fastaudit.track_call(obj), obj)

    def test_records_while_running_only(self):
        async def tool(x, *, k=0):
            await asyncio.sleep(0)
            return fastaudit.active_calls()

        wrapped = fastaudit.track_call(tool)
        self.assertIsNot(wrapped, tool)

        async def main():
            inside = await wrapped(5, k=2)
            return inside, fastaudit.active_calls()

        inside, after = asyncio.run(main())
        self.assertEqual(tuple(after), ())
        self.assertEqual(len(inside), 1)
        r = inside[0]
        self.assertIn(rec(r, "fn"), (tool, wrapped))
        self.assertEqual(tuple(rec(r, "args")), (5,))
        self.assertEqual(dict(rec(r, "kwargs")), {"k": 2})
        self.assertEqual(rec(r, "module"), __name__)
        self.assertEqual(rec(r, "qualname"), tool.__qualname__)
        self.assertEqual(rec(r, "name"), f"{__name__}.{tool.__qualname__}")

    def test_nested_and_across_tasks(self):
        @fastaudit.track_call
        async def outer():
            child = asyncio.create_task(observer())
            await asyncio.sleep(0)   # the child takes its first look while outer runs
            seen_while_running = await inner()
            return seen_while_running, child

        @fastaudit.track_call
        async def inner():
            return [rec(r, "name").rsplit(".", 1)[-1] for r in fastaudit.active_calls()]

        gate = {}

        async def observer():
            first = [rec(r, "name").rsplit(".", 1)[-1] for r in fastaudit.active_calls()]
            await gate["done"].wait()      # outer has returned by now
            later = [rec(r, "name").rsplit(".", 1)[-1] for r in fastaudit.active_calls()]
            return first, later

        async def main():
            gate["done"] = asyncio.Event()
            seen, child = await outer()
            gate["done"].set()
            return seen, await child

        seen, (first, later) = asyncio.run(main())
        self.assertEqual(seen, ["outer", "inner"])
        self.assertEqual(first, ["outer"], "a child task copies the active calls")
        self.assertEqual(later, [], "a finished call is no longer active, even in a child task")

    def test_before_deny_sees_tracked_calls(self):
        def before_deny(event, args, frame, msg, data, calls):
            return event == "os.system" and any(rec(c, "name").endswith(".trusted_tool")
                                                for c in calls)

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=before_deny)

        @fastaudit.track_call
        async def trusted_tool():
            return attempt(os.system, "true")

        async def untrusted():
            return attempt(os.system, "true")

        async def main():
            with ap():
                return await trusted_tool(), await untrusted()

        (r1, e1), (r2, e2) = asyncio.run(main())
        self.assertIsNone(e1)
        self.assertEqual(r1, 0)
        self.assertDenied(e2, "os.system")

    def test_denial_traceback_in_tracked_call_shows_only_the_wrapper(self):
        # The hook and the monitor are C and add no frames. track_call's wrapper is a
        # coroutine (it must stay one, so asyncio.create_task accepts it): it is the one
        # engine frame a traceback through a tracked call shows, and the sandbox's traceback
        # of learner frames leaves it out (sandbox/README.md).
        import traceback
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])

        @fastaudit.track_call
        async def tool():
            os.system("true")

        async def main():
            with ap():
                try:
                    await tool()
                except PermissionError as e:
                    return e

        e = asyncio.run(main())
        self.assertDenied(e, "os.system")
        frames = traceback.extract_tb(e.__traceback__)
        self.assertEqual([f.name for f in frames if "fastaudit" in f.filename], ["_fn"],
                         "engine frames other than the track_call wrapper")
        self.assertEqual(frames[-1].name, "tool")

    def test_stale_tracked_call_does_not_grant_in_child_task(self):
        def before_deny(event, args, frame, msg, data, calls):
            return any(rec(c, "name").endswith(".trusted_tool") for c in calls)

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=before_deny)
        gate = {}

        async def sneaky():
            early = attempt(sys.audit, "labtest.sneaky")[1]
            await gate["done"].wait()
            return early, attempt(sys.audit, "labtest.sneaky")[1]

        @fastaudit.track_call
        async def trusted_tool():
            t = asyncio.create_task(sneaky())
            await asyncio.sleep(0)   # sneaky's first step runs while trusted_tool is active
            return t

        async def main():
            gate["done"] = asyncio.Event()
            with ap():
                t = await trusted_tool()
                gate["done"].set()
                return await t

        early, late = asyncio.run(main())
        self.assertIsNone(early, "while trusted_tool runs, its child is covered")
        self.assertDenied(late, "labtest.sneaky")


class TestSetDataAddImports(EngineTestCase):
    def test_set_data_denied_inside_allowed_outside(self):
        got = []
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], data="v1",
                                before_deny=lambda ev, a, f, m, d, c: got.append(d))
        e = self.deny_in(ap, "audit_perms.set_data", ap.set_data, "v2")
        self.deny_in(ap, "labtest.probe", sys.audit, "labtest.probe")
        self.assertEqual(got[-1], "v1", "a denied set_data changed the data")
        self.assertEqual(ap.set_data("v3"), "v3")
        self.deny_in(ap, "labtest.probe", sys.audit, "labtest.probe")
        self.assertEqual(got[-1], "v3")
        self.assertIn("audit_perms.set_data", str(e))

    def test_add_imports_denied_inside_allowed_outside(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], allow_imports=("labimp_a",))
        self.deny_in(ap, "audit_perms.add_imports", ap.add_imports, "labimp_b")
        with ap():
            st = fastaudit.audit_state()
        self.assertIn("labimp_a", st["import_allow"])
        self.assertNotIn("labimp_b", st["import_allow"])
        new = ap.add_imports("labimp_b", "labimp_c")
        self.assertIn("labimp_b", new)
        self.assertIn("labimp_c", new)
        with ap():
            st = fastaudit.audit_state()
        self.assertLessEqual({"labimp_a", "labimp_b", "labimp_c"}, set(st["import_allow"]))
        self.assertNotIn("labimp_b", fastaudit.audit_state()["import_allow"],
                         "a config's allowance shows only while it is active")

    def test_engine_events_are_no_ops_outside(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.assertIsNone(attempt(HARDENED_MK, [self.out])[1])
        self.assertIsNone(attempt(ap.set_data, 1)[1])
        self.assertIsNone(attempt(ap.add_imports, "x")[1])
        self.deny_in(ap, "audit_perms.new", HARDENED_MK, [self.out])


class TestImportAllowance(EngineTestCase):
    """A module matching an allowed prefix may do anything while it initialises."""

    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "site")
        os.mkdir(self.site)
        sys.path.insert(0, self.site)
        self.addCleanup(sys.path.remove, self.site)
        self.tag = uuid.uuid4().hex[:8]
        self.names = []
        self.addCleanup(self.forget)

    def forget(self):
        for n in list(sys.modules):
            if any(n == p or n.startswith(p + ".") for p in self.names):
                del sys.modules[n]
        importlib.invalidate_caches()

    def package(self, name, init="", sub=None):
        self.names.append(name)
        d = os.path.join(self.site, name)
        os.mkdir(d)
        with open(os.path.join(d, "__init__.py"), "w") as f:
            f.write(init)
        if sub is not None:
            with open(os.path.join(d, "sub.py"), "w") as f:
                f.write(sub)
        importlib.invalidate_caches()
        return name

    def plugin_source(self):
        marker = os.path.join(self.out, "marker-{}")
        return ("import os, sys\n"
                "sys.audit('labtest.plugin_init', __name__)\n"
                f"open({marker!r}.format(__name__), 'w').close()\n"
                "def later():\n"
                "    sys.audit('labtest.plugin_later')\n")

    def test_allowed_prefix_covers_package_and_submodules(self):
        name = self.package(f"labplug_{self.tag}", self.plugin_source(), self.plugin_source())
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], allow_imports=(name,))
        with ap():
            r = attempt(importlib.import_module, name)
            rs = attempt(importlib.import_module, name + ".sub")
            later = attempt(lambda: sys.modules[name].later())[1]
        self.assertIsNone(r[1], f"import of an allowed module: {r[1]!r}")
        self.assertIsNone(rs[1], f"import of an allowed submodule: {rs[1]!r}")
        self.assertTrue(os.path.exists(os.path.join(self.out, f"marker-{name}")))
        self.assertTrue(os.path.exists(os.path.join(self.out, f"marker-{name}.sub")))
        self.assertDenied(later, "labtest.plugin_later")   # not initialising any more

    def test_other_modules_denied(self):
        name = self.package(f"labplug_{self.tag}", "")
        sibling = self.package(f"labplug_{self.tag}x", self.plugin_source())
        plain = self.package(f"labother_{self.tag}", self.plugin_source())
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], allow_imports=(name,))
        with ap():
            r1 = attempt(importlib.import_module, sibling)
            r2 = attempt(importlib.import_module, plain)
        self.assertDenied(r1[1], "labtest.plugin_init")
        self.assertDenied(r2[1], "labtest.plugin_init")
        self.assertNotIn(sibling, sys.modules)
        self.assertFalse(os.path.exists(os.path.join(self.out, f"marker-{sibling}")))

    def test_add_imports_then_allowed(self):
        name = self.package(f"labplug_{self.tag}", self.plugin_source())
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        with ap():
            r1 = attempt(importlib.import_module, name)
        self.assertDenied(r1[1], "labtest.plugin_init")
        ap.add_imports(name)
        with ap():
            r2 = attempt(importlib.import_module, name)
        self.assertIsNone(r2[1], repr(r2[1]))

    def test_allowed_module_calling_back_into_sandboxed_code_at_import(self):
        # Import allowance covers events while the allowed module's body runs; a denied op
        # outside any import in the same context is still denied.
        name = self.package(f"labplug_{self.tag}", "import os\nVALUE = 1\n")
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], allow_imports=(name,))
        with ap():
            r = attempt(importlib.import_module, name)
            e = attempt(os.system, "true")[1]
        self.assertIsNone(r[1])
        self.assertDenied(e, "os.system")


if __name__ == "__main__":
    unittest.main()
