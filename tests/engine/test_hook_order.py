"""Issue 12: where the engine's audit hook sits among a program's own hooks.

FastAudit adds its hook with sys.addaudithook when its state is created (the first
mk_audit), so in the default mode a Python hook added before that hears every event first,
refused ones included, and a hook added after it hears no refused event. The hardened mode
installs a C hook, which CPython runs before every Python hook: no Python hook hears a
refused event there. Each case runs in a fresh interpreter (hooks cannot be removed)."""
import unittest

from helpers import proc_report, run_fresh

# Prints one line per check; `label` names the mode, `kw` the extra mk_audit arguments.
SCRIPT = """
import os, shutil, sys, tempfile, fastaudit
heard = []
def listen(event, args):
    if event == 'open' and args[0] == OUTSIDE:
        heard.append(event)
root = tempfile.mkdtemp(prefix='fa-order-')
OUTSIDE = os.path.join(tempfile.mkdtemp(prefix='fa-order-out-'), 'x')
if BEFORE:
    sys.addaudithook(listen)
perms = fastaudit.mk_audit([root], monitor_calls=False, **KW)
if not BEFORE:
    sys.addaudithook(listen)
with perms():
    try:
        open(OUTSIDE, 'w').close()
        outcome = 'written'
    except PermissionError:
        outcome = 'refused'
print('outcome', outcome)
print('heard', len(heard))
shutil.rmtree(root)
shutil.rmtree(os.path.dirname(OUTSIDE))
"""


def run_case(before, kw):
    code = f"BEFORE = {before!r}\nKW = {kw!r}\n" + SCRIPT
    p = run_fresh(code)
    lines = dict(line.split(' ', 1) for line in p.stdout.splitlines() if ' ' in line)
    return p, lines


class TestHookOrder(unittest.TestCase):
    def check(self, before, kw, heard):
        p, lines = run_case(before, kw)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual((lines.get('outcome'), lines.get('heard')), ('refused', str(heard)),
                         proc_report(p))

    def test_default_hook_added_before_hears_refused_event(self):
        # FastAudit's hook is the later Python hook: the earlier one runs first.
        self.check(True, {}, 1)

    def test_default_hook_added_after_does_not_hear_refused_event(self):
        self.check(False, {}, 0)

    def test_hardened_hook_added_before_does_not_hear_refused_event(self):
        # fa-learn's hardened C hook runs before any Python hook.
        self.check(True, {'hardened': True}, 0)

    def test_hardened_hook_added_after_does_not_hear_refused_event(self):
        self.check(False, {'hardened': True}, 0)

    def test_default_hook_added_through_sys_addaudithook(self):
        """The first mk_audit raises sys.addaudithook (heard by the earlier hooks), and a hook
        that refuses it with any Exception leaves FastAudit without a hook, silently: the
        context then enforces nothing, FastAudit's weakness kept."""
        p = run_fresh("""
            import os, shutil, sys, tempfile, fastaudit
            seen = []
            def gate(event, args):
                seen.append(event)
                if event == 'sys.addaudithook':
                    raise ValueError('no more hooks')
            sys.addaudithook(gate)
            root = tempfile.mkdtemp(prefix='fa-order-')
            outside = os.path.join(tempfile.mkdtemp(prefix='fa-order-out-'), 'x')
            perms = fastaudit.mk_audit([root], monitor_calls=False)
            first = [e for e in seen if e in ('sys.addaudithook', 'audit_perms.set_config')]
            print('first', first[:2])
            with perms():
                open(outside, 'w').close()
            print('written', os.path.exists(outside))
            shutil.rmtree(root)
            shutil.rmtree(os.path.dirname(outside))
            """)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertIn("first ['sys.addaudithook', 'audit_perms.set_config']", p.stdout,
                      proc_report(p))
        self.assertIn("written True", p.stdout, proc_report(p))


if __name__ == '__main__':
    unittest.main()
