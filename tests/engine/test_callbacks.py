"""Issue #3, rule 4 (before_deny), rule 5's on_call, and the entry-point hooks."""
import os
import subprocess
import sys
import types
import unittest

import fastaudit
import labnative
from helpers import (HARDENED_MK, EngineTestCase, attempt, proc_report, read, run_fresh, write_dist_info,
                     first_line)


def do_system():
    return os.system("true")


def call_checksum(data=b"abc"):
    return labnative.checksum(data)


class TestBeforeDeny(EngineTestCase):
    def test_allows_chosen_operation_while_neighbours_stay_denied(self):
        calls = []

        def before_deny(event, args, frame, msg, data, active):
            calls.append(event)
            return event == "subprocess.Popen" and list(args[1]) == ["true"]

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=before_deny)
        r = self.allow_in(ap, subprocess.run, ["true"])
        self.assertEqual(r.returncode, 0)
        self.deny_in(ap, "subprocess.Popen", subprocess.run, ["false"])
        self.deny_in(ap, "os.system", os.system, "true")
        self.deny_in(ap, "open", open, os.path.join(self.out, "f"), "w", path=True)
        self.assertEqual(calls, ["subprocess.Popen", "subprocess.Popen", "os.system", "open"])

    def test_arguments(self):
        got = []
        data = {"token": object()}

        def before_deny(event, args, frame, msg, d, active):
            got.append((event, args, frame, msg, d, active))
            return False

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=before_deny, data=data)
        e = self.deny_in(ap, "os.system", do_system)
        self.assertEqual(len(got), 1)
        event, args, frame, msg, d, active = got[0]
        self.assertEqual(event, "os.system")
        self.assertEqual(tuple(args), (b"true",) if isinstance(args[0], bytes) else ("true",))
        self.assertIsInstance(frame, types.FrameType)
        self.assertEqual(frame.f_code.co_name, "do_system", "first frame outside the engine")
        self.assertEqual(frame.f_globals["__name__"], __name__)
        self.assertIsInstance(msg, str)
        self.assertTrue(msg.startswith("Audit: os.system blocked in sandbox with args: "), msg)
        self.assertEqual(first_line(e), msg.split("\n")[0])
        self.assertIs(d, data)
        self.assertEqual(tuple(active), ())

    def test_path_message_passed(self):
        got = []
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=lambda *a: got.append(a[3]))
        target = os.path.join(self.out, "f")
        self.deny_in(ap, "open", open, target, "w", path=True)
        self.assertEqual(len(got), 1)
        self.assertTrue(got[0].startswith(f"open {target!r} not in "), got[0])

    def test_not_called_for_allowed_events(self):
        got = []
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=lambda *a: got.append(a[0]))
        existing = self.make_file(self.out, "r")

        def allowed_things():
            read(existing)
            with open(os.path.join(self.root, "w"), "w") as f:
                f.write("x")
            os.listdir(self.out)
            compile("1", "<x>", "eval")
            os.putenv("FA_ENGINE_TEST_CB", "1")

        self.allow_in(ap, allowed_things)
        os.unsetenv("FA_ENGINE_TEST_CB")
        self.assertEqual(got, [])

    def test_truthy_and_falsy_returns(self):
        for value, allowed in ((1, True), ("yes", True), ([0], True), (0, False), ("", False),
                               (None, False), ([], False)):
            with self.subTest(value=value):
                ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=lambda *a, v=value: v)
                _, e = self.run_in(ap, sys.audit, "labtest.event", 1)
                if allowed:
                    self.assertAllowed(e)
                else:
                    self.assertDenied(e, "labtest.event")

    def test_exceptions_propagate(self):
        class Boom(Exception):
            pass

        def before_deny(*a):
            raise Boom("from before_deny")

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=before_deny)
        _, e = self.run_in(ap, os.system, "true")
        self.assertIsInstance(e, Boom)
        self.assertEqual(str(e), "from before_deny")
        # The engine is still healthy afterwards, in and out of contexts.
        self.allow_in(ap, os.listdir, self.out)
        self.assertIsNone(attempt(sys.audit, "labtest.after")[1])

    def test_data_and_set_data(self):
        seen = []
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=lambda ev, a, f, m, d, c:
                                seen.append(d) or (d == "allow"), data="deny")
        self.deny_in(ap, "labtest.x", sys.audit, "labtest.x")
        self.assertEqual(ap.set_data("allow"), "allow")   # outside: a plain update
        self.allow_in(ap, sys.audit, "labtest.x")
        self.assertEqual(seen, ["deny", "allow"])

    def test_engine_events_can_be_allowed(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root],
                                before_deny=lambda ev, *a: ev == "audit_perms.new")
        inner = self.allow_in(ap, HARDENED_MK, [self.out])
        self.assertTrue(callable(inner))
        self.deny_in(ap, "audit_perms.set_data", ap.set_data, 1)


class TestOnCall(EngineTestCase):
    def test_native_call_denied_without_on_call(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        e = self.deny_in(ap, "fastaudit.call", call_checksum)
        self.assertIn("labnative.checksum", first_line(e))
        self.assertIn(f"{__name__}.call_checksum", first_line(e))
        self.assertEqual(call_checksum(), labnative.checksum(b"abc"))   # fine outside

    def test_on_call_arguments(self):
        got = []
        data = ("d",)

        def on_call(caller, callee, fn, code, offset, d, calls):
            got.append((caller, callee, fn, code, offset, d, calls))
            return False

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=on_call, data=data)
        r = self.allow_in(ap, call_checksum)
        self.assertEqual(r, labnative.checksum(b"abc"))
        self.assertEqual(len(got), 1)
        caller, callee, fn, code, offset, d, calls = got[0]
        self.assertEqual(caller, f"{__name__}.call_checksum")
        self.assertEqual(callee, "labnative.checksum")
        self.assertIs(fn, labnative.checksum)
        self.assertIs(code, call_checksum.__code__)
        self.assertIsInstance(offset, int)
        self.assertIs(d, data)
        self.assertEqual(tuple(calls), ())

    def test_false_lets_one_call_through_and_site_is_checked_again(self):
        got = []
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root],
                                on_call=lambda c, callee, *a: got.append(callee) or False)

        def three():
            return [labnative.checksum(b"x") for _ in range(3)]

        r = self.allow_in(ap, three)
        self.assertEqual(len(r), 3)
        self.assertEqual(got, ["labnative.checksum"] * 3)

    def test_chosen_native_call_allowed_neighbour_denied(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda caller, callee, *a:
                                False if callee == "labnative.checksum" else None)
        self.allow_in(ap, labnative.checksum, b"q")
        e = self.deny_in(ap, "fastaudit.call", labnative.spin, 1)
        self.assertIn("labnative.spin", first_line(e))

    def test_disable_silences_the_site(self):
        got = []

        def on_call(caller, callee, *a):
            got.append(callee)
            return sys.monitoring.DISABLE

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=on_call)

        def five():
            return [labnative.checksum(b"x") for _ in range(5)]

        self.allow_in(ap, five)
        self.assertEqual(got, ["labnative.checksum"])
        # Every entry restarts events: the site is seen again in the next context.
        self.allow_in(ap, five)
        self.assertEqual(got, ["labnative.checksum"] * 2)

    def test_none_reports_fastaudit_call_which_before_deny_may_allow(self):
        reported = []

        def before_deny(event, args, frame, msg, data, calls):
            reported.append((event, args, frame.f_code.co_name))
            return event == "fastaudit.call" and args[1] == "labnative.checksum"

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda *a: None, before_deny=before_deny)
        self.allow_in(ap, call_checksum)
        self.deny_in(ap, "fastaudit.call", labnative.spin, 1)
        event, args, fname = reported[0]
        self.assertEqual(event, "fastaudit.call")
        self.assertEqual(args[0], f"{__name__}.call_checksum")
        self.assertEqual(args[1], "labnative.checksum")
        self.assertEqual(len(args), 3, "fastaudit.call args are (caller, callee, call chain)")
        self.assertIn(f"{__name__}.call_checksum", str(args[2]))
        self.assertEqual(fname, "call_checksum")

    def test_on_call_exception_propagates(self):
        def on_call(*a):
            raise LookupError("from on_call")

        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=on_call)
        _, e = self.run_in(ap, call_checksum)
        self.assertIsInstance(e, LookupError)
        self.assertEqual(str(e), "from on_call")
        self.assertIsNone(attempt(call_checksum)[1])

    def test_on_call_requires_monitor_calls(self):
        with self.assertRaises(RuntimeError):
            fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda *a: False, monitor_calls=False)

    def test_monitor_calls_false_does_not_watch_native_calls(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        self.allow_in(ap, call_checksum)
        self.deny_in(ap, "os.system", os.system, "true")   # the audit hook still works


ENTRY_HOOKS = """
import sys
LOG = []

def audit_hook(event, args, frame, msg, data, calls):
    LOG.append("ep:" + event)
    return event == "labtest.ep_allowed"

def monitor_hook(caller, callee, fn, code, offset, data, calls):
    LOG.append("mon:" + callee)
    if callee == "labnative.checksum":
        return False
    if callee == "labnative.spin":
        return sys.monitoring.DISABLE
    return None
"""


class TestEntryPoints(EngineTestCase):
    """Entry points are read from installed distributions: a fresh interpreter each time."""

    def fresh(self, groups, body, modules=None):
        site = os.path.join(self.tmp, "site")
        os.makedirs(site, exist_ok=True)
        write_dist_info(site, "labhooks", groups, modules)
        code = f"import sys\nsys.path.insert(0, {site!r})\n" + body
        p = run_fresh(code, pythonpath=site, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        return p

    def test_audit_hook_runs_before_config_callback(self):
        body = """
import fastaudit, labhooks
from labhooks import LOG
ap = fastaudit.mk_audit(hardened=True, oks=[], before_deny=lambda ev, *a: LOG.append("cfg:" + ev) or
                        ev == "labtest.cfg_allowed")
def run(ev):
    del LOG[:]
    with ap():
        try:
            sys.audit(ev)
            r = "allowed"
        except PermissionError:
            r = "denied"
    return r, list(LOG)
print(run("labtest.ep_allowed"))
print(run("labtest.cfg_allowed"))
print(run("labtest.nobody"))
"""
        p = self.fresh({"fastaudit_audit_hook": {"labhooks": "labhooks:audit_hook"}}, body,
                       {"labhooks.py": ENTRY_HOOKS})
        self.assertEqual(p.stdout.splitlines(), [
            "('allowed', ['ep:labtest.ep_allowed'])",
            "('allowed', ['ep:labtest.cfg_allowed', 'cfg:labtest.cfg_allowed'])",
            "('denied', ['ep:labtest.nobody', 'cfg:labtest.nobody'])",
        ])

    def test_monitor_hook_runs_before_on_call(self):
        body = """
import fastaudit, labnative, labhooks
from labhooks import LOG
ap = fastaudit.mk_audit(hardened=True, oks=[], on_call=lambda caller, callee, *a: LOG.append("cfg:" + callee))
def go(fn, *args):
    with ap():
        try:
            fn(*args)
            return "allowed"
        except PermissionError as e:
            return "denied" if "fastaudit.call" in str(e) else repr(e)
print(go(labnative.checksum, b"x"), LOG); del LOG[:]
print(go(labnative.spin, 1), LOG); del LOG[:]
print(go(labnative.write_text, "/nonexistent-dir/x", "t"), LOG); del LOG[:]
"""
        p = self.fresh({"fastaudit_monitor_hook": {"labhooks": "labhooks:monitor_hook"}}, body,
                       {"labhooks.py": ENTRY_HOOKS})
        self.assertEqual(p.stdout.splitlines(), [
            "allowed ['mon:labnative.checksum']",
            "allowed ['mon:labnative.spin']",
            "denied ['mon:labnative.write_text', 'cfg:labnative.write_text']",
        ])

    def test_import_allow_entry_point(self):
        plug = """
import sys
sys.audit("labtest.plugin_init")
"""
        body = """
import fastaudit
ap = fastaudit.mk_audit(hardened=True, oks=[])
with ap():
    st = fastaudit.audit_state()
    import labplug_ep
    try:
        import labplug_other
        other = "allowed"
    except PermissionError:
        other = "denied"
print("labplug_ep" in st["import_allow"], "labplug_ep" in sys.modules, other)
"""
        p = self.fresh({"fastaudit_import_allow": {"labplug_ep": "labplug_ep"}}, body,
                       {"labplug_ep.py": plug, "labplug_other.py": plug})
        self.assertEqual(p.stdout.strip(), "True True denied")


if __name__ == "__main__":
    unittest.main()
