"""Issue #3, rule 6: the teaching trace and the counters."""
import os
import sys
import unittest
import uuid
import importlib

import fastaudit
import labnative
from helpers import EngineTestCase, attempt, entries, tracing

CLASSES = {"allowed", "read", "path-ok", "path-denied", "default-deny", "host-allowed",
           "import-allowed", "native-call", "native-allowed", "tampered", "subinterpreter"}
COUNTER_KEYS = {"events", "allowed", "denied", "monitor_callbacks", "sites_disabled",
                "native_calls", "divergences"}


class TestTrace(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.addCleanup(fastaudit.trace_clear)
        self.addCleanup(fastaudit.trace_stop)
        self.existing = self.make_file(self.out, "existing")

    def test_entry_shape_and_classes(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False,
                                before_deny=lambda ev, *a: ev == "labtest.host_ok")
        root, out, existing = self.root, self.out, self.existing
        with tracing():
            with ap():
                compile("1", "<t>", "eval")                                  # allowed
                open(existing).close()                                       # read
                open(os.path.join(root, "f"), "w").close()                   # path-ok
                attempt(open, os.path.join(out, "f"), "w")                   # path-denied
                attempt(sys.audit, "labtest.nobody")                         # default-deny
                sys.audit("labtest.host_ok")                                 # host-allowed
        tr = fastaudit.trace()
        self.assertIsInstance(tr, list)
        for t in tr:
            self.assertLessEqual({"event", "args", "class", "decision", "reason"}, set(t), t)
            self.assertIsInstance(t["event"], str)
            self.assertIsInstance(t["args"], str)
            self.assertIn(t["class"], CLASSES)
            self.assertIn(t["decision"], ("allow", "deny"))
            self.assertIsInstance(t["reason"], str)
            self.assertTrue(t["reason"].strip(), t)

        def one(event, cls, decision, arg_part=None):
            found = [t for t in tr if t["event"] == event and t["class"] == cls]
            self.assertTrue(found, f"no {cls} entry for {event}: {tr}")
            self.assertEqual(found[0]["decision"], decision, found[0])
            if arg_part:
                self.assertIn(arg_part, found[0]["args"])

        one("compile", "allowed", "allow")
        one("open", "read", "allow", "existing")
        one("open", "path-ok", "allow", os.path.join(root, "f"))
        one("open", "path-denied", "deny", os.path.join(out, "f"))
        one("labtest.nobody", "default-deny", "deny")
        one("labtest.host_ok", "host-allowed", "allow")

    def test_counters_match_the_trace(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        with tracing():
            with ap():
                for i in range(5):
                    open(self.existing).close()
                for i in range(3):
                    attempt(sys.audit, "labtest.deny")
        c = fastaudit.counters()
        tr = fastaudit.trace()
        self.assertEqual(set(c), COUNTER_KEYS)
        self.assertTrue(all(isinstance(v, int) for v in c.values()), c)
        self.assertEqual(c["events"], len(tr))
        self.assertEqual(c["allowed"] + c["denied"], c["events"])
        self.assertEqual(c["denied"], sum(t["decision"] == "deny" for t in tr))
        self.assertEqual(c["denied"], 3)
        self.assertGreaterEqual(c["allowed"], 5)

    def test_only_events_inside_a_context(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        with tracing():
            open(self.existing).close()
            sys.audit("labtest.outside")
            mid = (list(fastaudit.trace()), fastaudit.counters()["events"])
            with ap():
                sys.audit("os.listdir", self.out)
            sys.audit("labtest.outside")
        self.assertEqual(mid, ([], 0))
        self.assertEqual([t["event"] for t in fastaudit.trace()], ["os.listdir"])
        self.assertEqual(fastaudit.counters()["events"], 1)

    def test_off_unless_started(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        fastaudit.trace_stop()
        fastaudit.trace_clear()
        with ap():
            sys.audit("os.listdir", self.out)
        self.assertEqual(fastaudit.trace(), [])

    def test_stop_and_clear(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        with tracing():
            with ap():
                sys.audit("os.listdir", "a")
        fastaudit.trace_stop()
        with ap():
            sys.audit("os.listdir", "b")
        tr = fastaudit.trace()
        self.assertEqual(len(tr), 1)
        self.assertIn("'a'", tr[0]["args"])
        fastaudit.trace_clear()
        self.assertEqual(fastaudit.trace(), [])
        self.assertEqual(fastaudit.counters(), dict.fromkeys(COUNTER_KEYS, 0))

    def test_limit_caps_entries_but_not_counters(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        with tracing(limit=4):
            with ap():
                for i in range(50):
                    sys.audit("os.listdir", str(i))
        tr = fastaudit.trace()
        self.assertEqual(len(tr), 4)
        self.assertEqual([t["args"] for t in tr][0].count("'0'"), 1)
        self.assertGreaterEqual(fastaudit.counters()["events"], 50)

    def test_args_repr_bounded(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False, before_deny=lambda *a: True)
        huge = "x" * 5_000_000

        class Evil:
            def __repr__(self):
                raise RuntimeError("repr fails")

        class Long:
            def __repr__(self):
                return "L" * 1_000_000

        with tracing():
            with ap():
                r1 = attempt(sys.audit, "labtest.huge", huge)
                r2 = attempt(sys.audit, "labtest.evil", Evil())
                r3 = attempt(sys.audit, "labtest.long", Long(), [Long()] * 3)
                r4 = attempt(sys.audit, "labtest.nested", [[[[[]]]]] * 1000)
        for r in (r1, r3, r4):
            self.assertIsNone(r[1], repr(r[1]))
        # An args repr that raises may surface as that exception; nothing else is acceptable.
        if r2[1] is not None:
            self.assertIsInstance(r2[1], RuntimeError)
            self.assertEqual(str(r2[1]), "repr fails")
        tr = fastaudit.trace()
        events = [t["event"] for t in tr]
        for ev in ("labtest.huge", "labtest.long", "labtest.nested"):
            self.assertIn(ev, events)
        for t in tr:
            self.assertLessEqual(len(t["args"]), 300, t["args"][:80])
        self.assertIn("xxxx", entries("labtest.huge")[0]["args"])

    def test_trace_api_denied_inside_unless_allowed(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        fastaudit.trace_start(limit=10)
        for fn in (fastaudit.trace_start, fastaudit.trace_stop, fastaudit.trace_clear):
            with self.subTest(fn=fn.__name__):
                self.deny_in(ap, "audit_perms.trace", fn)
        # The denied calls changed nothing: recording is still on.
        with ap():
            sys.audit("os.listdir", "still-recording")
        self.assertTrue(any("still-recording" in t["args"] for t in entries("os.listdir")),
                        fastaudit.trace())
        host = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False,
                                  before_deny=lambda ev, *a: ev == "audit_perms.trace")
        self.allow_in(host, fastaudit.trace_clear)
        self.assertLessEqual(len(fastaudit.trace()), 1)   # the clear did happen
        # Outside: plain no-op events, the calls work.
        for fn in (fastaudit.trace_stop, fastaudit.trace_clear, fastaudit.trace_start):
            self.assertIsNone(attempt(fn)[1])

    def test_returned_trace_is_a_copy(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False)
        with tracing():
            with ap():
                sys.audit("os.listdir", "x")
        tr = fastaudit.trace()
        tr.clear()
        self.assertEqual(len(fastaudit.trace()), 1)
        fastaudit.trace()[0]["decision"] = "deny"
        self.assertEqual(fastaudit.trace()[0]["decision"], "allow")

    def test_native_call_classes(self):
        allow = fastaudit.mk_audit(hardened=True, oks=[self.root], on_call=lambda *a: False)
        deny = fastaudit.mk_audit(hardened=True, oks=[self.root])
        with tracing():
            self.allow_in(allow, labnative.checksum, b"x")
            self.deny_in(deny, "fastaudit.call", labnative.checksum, b"x")
        tr = fastaudit.trace()
        native_allowed = [t for t in tr if t["class"] == "native-allowed"]
        self.assertTrue(native_allowed, tr)
        self.assertEqual(native_allowed[0]["decision"], "allow")
        self.assertIn("labnative.checksum", native_allowed[0]["args"])
        reported = [t for t in tr if t["event"] == "fastaudit.call"]
        self.assertTrue(reported, tr)
        self.assertEqual(reported[-1]["class"], "native-call")
        self.assertEqual(reported[-1]["decision"], "deny")
        self.assertIn("labnative.checksum", reported[-1]["args"])
        c = fastaudit.counters()
        self.assertGreaterEqual(c["native_calls"], 1)

    def test_import_allowed_class(self):
        site = os.path.join(self.tmp, "site")
        os.mkdir(site)
        name = f"labtraceplug_{uuid.uuid4().hex[:8]}"
        with open(os.path.join(site, name + ".py"), "w") as f:
            f.write("import sys\nsys.audit('labtest.from_plugin')\n")
        sys.path.insert(0, site)
        self.addCleanup(sys.path.remove, site)
        self.addCleanup(sys.modules.pop, name, None)
        importlib.invalidate_caches()
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root], monitor_calls=False, allow_imports=(name,))
        with tracing():
            self.allow_in(ap, importlib.import_module, name)
        found = entries("labtest.from_plugin")
        self.assertEqual(len(found), 1, fastaudit.trace())
        self.assertEqual(found[0]["class"], "import-allowed")
        self.assertEqual(found[0]["decision"], "allow")


if __name__ == "__main__":
    unittest.main()
