"""Issue 12, section 3: trace notes in both directions. A row where the other rule set would
have decided otherwise carries a note computed by evaluating that rule set on the same event
(FastAudit's rules under a hardened config, the hardened rules under FastAudit's), and
counters()["divergences"] counts those rows. Events are raised with sys.audit, so nothing is
really deleted; each rule set runs in a child interpreter of its own (the two claim the
monitoring tool id their own ways).
"""
import json
import os
import subprocess
import sys
import textwrap
import unittest

from helpers import EngineTestCase

# Runs in a fresh interpreter: prints one JSON object with the trace rows and the counters.
CHILD = textwrap.dedent("""
    import contextvars, json, os, sys
    import fastaudit, labnative
    outer = sys.argv[1]
    root = os.path.join(outer, "root")
    ap = fastaudit.mk_audit([root], hardened=sys.argv[2] == "hardened")
    fastaudit.trace_start()
    denied = []
    def judge(event, *args):
        try:
            sys.audit(event, *args)
        except PermissionError:
            denied.append(event)
    with ap():
        judge("os.rmdir", root + "/", -1)                       # the rule sets disagree
        judge("os.rmdir", os.path.join(root, "sub"), -1)        # both allow
        judge("os.rmdir", os.path.join(outer, "x", "y"), -1)    # both deny
        labnative.checksum.__module__ = "json"                  # forged module
        try:
            labnative.checksum(b"x")
        except PermissionError:
            denied.append("fastaudit.call")
        contextvars.Context().run(judge, "os.rmdir", os.path.join(outer, "x", "z"), -1)
    fastaudit.trace_stop()
    print(json.dumps({"trace": fastaudit.trace(), "counters": fastaudit.counters(),
                      "denied": denied}))
""")


class TestDivergenceNotes(EngineTestCase):
    def run_child(self, mode):
        os.mkdir(os.path.join(self.root, "root"))
        proc = subprocess.run([sys.executable, "-c", CHILD, self.root, mode],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        result = json.loads(proc.stdout)
        rows = result["trace"]
        noted = [r for r in rows if r["note"]]
        self.assertEqual(result["counters"]["divergences"], len(noted), rows)
        return result, rows

    def row(self, rows, event, needle):
        found = [r for r in rows if r["event"] == event and needle in r["args"]]
        self.assertTrue(found, (event, needle, rows))
        return found[0]

    def test_fastaudit_rows_say_what_hardened_would_do(self):
        result, rows = self.run_child("fastaudit")
        slash = self.row(rows, "os.rmdir", "root/'")
        self.assertEqual(slash["decision"], "allow")
        self.assertRegex(slash["note"], r"^FastAudit allows this .*the hardened engine denies it")
        self.assertIsNone(self.row(rows, "os.rmdir", "sub'")["note"])
        self.assertIsNone(self.row(rows, "os.rmdir", "y'")["note"])
        call = [r for r in rows if r["event"] == "fastaudit.call"]
        self.assertEqual(len(call), 1, rows)
        self.assertEqual((call[0]["class"], call[0]["decision"]), ("unreported", "allow"))
        self.assertIn("'json'", call[0]["note"])
        self.assertIn("hardened engine denies it", call[0]["note"])
        self.assertNotIn("fastaudit.call", result["denied"])
        self.assertGreaterEqual(result["counters"]["divergences"], 2)

    def test_hardened_rows_say_what_fastaudit_would_do(self):
        result, rows = self.run_child("hardened")
        slash = self.row(rows, "os.rmdir", "root/'")
        self.assertEqual(slash["decision"], "deny")
        self.assertRegex(slash["note"], r"^FastAudit allows this \(the folder .*\); the hardened "
                                        r"engine denies it")
        self.assertIsNone(self.row(rows, "os.rmdir", "sub'")["note"])
        self.assertIsNone(self.row(rows, "os.rmdir", "y'")["note"])
        call = [r for r in rows if r["event"] == "fastaudit.call"]
        self.assertEqual(len(call), 1, rows)
        self.assertEqual(call[0]["decision"], "deny")
        self.assertIn("takes the module from __module__, 'json'", call[0]["note"])
        # an empty Context: the hardened engine judges under the block, FastAudit sees no config
        empty = self.row(rows, "os.rmdir", "z'")
        self.assertEqual(empty["decision"], "deny")
        self.assertIn("holds no config in this context", empty["note"])
        self.assertEqual(result["denied"], ["os.rmdir", "os.rmdir", "fastaudit.call", "os.rmdir"])
        self.assertEqual(result["counters"]["divergences"], 3)

    def test_tampered_rows_note_fastaudits_missing_check(self):
        code = textwrap.dedent("""
            import contextvars, json, sys, fastaudit
            ap = fastaudit.mk_audit([sys.argv[1]], hardened=True, monitor_calls=False)
            fastaudit.trace_start()
            with ap():
                var = next(v for v in contextvars.copy_context() if v.name == "fastaudit_state")
                var.set(None)
                try:
                    sys.audit("os.listdir", sys.argv[1])
                except PermissionError:
                    pass
            fastaudit.trace_stop()
            print(json.dumps(fastaudit.trace()))
        """)
        proc = subprocess.run([sys.executable, "-c", code, self.root], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = [r for r in json.loads(proc.stdout) if r["class"] == "tampered"]
        self.assertTrue(rows)
        self.assertIn("no tamper check", rows[0]["note"])

    def test_the_note_leaves_no_exception_and_no_state(self):
        # Evaluating FastAudit's rules under a hardened config runs no callback: a before_deny
        # is called once per denial, by the hardened engine only.
        import fastaudit
        calls = []
        ap = fastaudit.mk_audit([self.root], hardened=True, monitor_calls=False,
                                before_deny=lambda *a: calls.append(a[0]))
        fastaudit.trace_start()
        self.addCleanup(fastaudit.trace_clear)
        self.addCleanup(fastaudit.trace_stop)
        with ap():
            try:
                sys.audit("os.rmdir", self.root + "/", -1)
            except PermissionError as e:
                err = e
        self.assertEqual(calls, ["os.rmdir"])
        self.assertIsInstance(err, PermissionError)
        self.assertTrue(fastaudit.trace()[-1]["note"])


if __name__ == "__main__":
    unittest.main()
