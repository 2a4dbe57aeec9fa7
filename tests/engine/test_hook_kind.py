"""Issue 12: the default mode's hook is added as a C hook where no program can tell it from
FastAudit's sys.addaudithook(hook), and with sys.addaudithook otherwise.

Each scenario runs twice in fresh interpreters: once as it comes (no Python hook before the
first mk_audit: the C hook) and once with a do-nothing Python hook added first, which makes
the engine use sys.addaudithook as FastAudit does. Both runs must print the same lines. The
last case shows the one difference left, which also tells which way the hook was added: a C
hook added after the state (only C code can add one; here through ctypes) runs after the
engine's C hook, where it would run before FastAudit's Python hook."""
import unittest

from helpers import proc_report, run_fresh

PROLOGUE = """
import ctypes, os, sys, tempfile, fastaudit
if PYTHON_HOOK_FIRST:
    sys.addaudithook(lambda event, args: None)
root = tempfile.mkdtemp(prefix='fa-kind-')
outside = os.path.join(tempfile.mkdtemp(prefix='fa-kind-out-'), 'x')
HOOK = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.py_object, ctypes.c_void_p)
ctypes.pythonapi.PySys_AddAuditHook.argtypes = [HOOK, ctypes.c_void_p]
def add_c_hook(fn):
    hook = HOOK(fn)
    ctypes.pythonapi.PySys_AddAuditHook(hook, None)
    return hook  # kept alive by the caller
def try_write():
    try:
        open(outside, 'w').close()
        return 'written'
    except PermissionError as e:
        return 'refused: ' + str(e).replace(outside, 'OUTSIDE').replace(root, 'ROOT')
"""
# ctypes' C hooks would be called during finalisation, after ctypes is gone: leave at once.
EPILOGUE = "\nsys.stdout.flush()\nos._exit(0)\n"


def run(scenario, python_hook_first):
    p = run_fresh(f"PYTHON_HOOK_FIRST = {python_hook_first!r}\n" + PROLOGUE + scenario +
                  EPILOGUE)
    return p, p.stdout.splitlines()


class TestHookKind(unittest.TestCase):
    def same_both_ways(self, scenario, expected):
        """The scenario prints `expected` whichever way the hook was added."""
        for python_hook_first in (False, True):
            with self.subTest(python_hook_first=python_hook_first):
                p, lines = run(scenario, python_hook_first)
                self.assertEqual(p.returncode, 0, proc_report(p))
                self.assertEqual(lines, expected, proc_report(p))

    def test_decisions_and_messages(self):
        self.same_both_ways("""
perms = fastaudit.mk_audit([root], monitor_calls=False)
with perms():
    print(try_write())
    open(os.path.join(root, 'inside'), 'w').close()
print('inside', os.path.exists(os.path.join(root, 'inside')))
""", ["refused: open 'OUTSIDE' not in ('ROOT',)", "inside True"])

    def test_before_deny_runs_with_tracing_off(self):
        """CPython runs Python hooks with tracing off: a profiler does not see before_deny."""
        self.same_both_ways("""
called, profiled = [], []
def before_deny(*args):
    called.append(args[0])
def profiler(frame, what, arg):
    if what == 'call':
        profiled.append(frame.f_code.co_name)
perms = fastaudit.mk_audit([root], before_deny=before_deny, monitor_calls=False)
sys.setprofile(profiler)
with perms():
    outcome = try_write()
sys.setprofile(None)
print(outcome.split(':')[0], called, 'before_deny' in profiled)
""", ["refused ['open'] False"])

    def test_earlier_c_hook_hears_addaudithook_once(self):
        self.same_both_ways("""
heard = []
def earlier(event, args, data):
    if event == b'sys.addaudithook':
        heard.append(event)
    return 0
keep = add_c_hook(earlier)
perms = fastaudit.mk_audit([root], monitor_calls=False)
print('heard', len(heard))
""", ["heard 1"])

    def test_replaced_addaudithook_is_called(self):
        """FastAudit calls whatever sys.addaudithook is when its state is made."""
        self.same_both_ways("""
real, calls = sys.addaudithook, []
def replacement(hook):
    calls.append(callable(hook))
    real(hook)
sys.addaudithook = replacement
perms = fastaudit.mk_audit([root], monitor_calls=False)
with perms():
    outcome = try_write()
print(calls, outcome.split(':')[0])
""", ["[True] refused"])

    def test_later_c_hook_order_differs(self):
        """The difference left: a later C hook hears a refused event only when the engine's
        hook is a Python hook (CPython runs every C hook before the Python ones)."""
        scenario = """
heard = []
def later(event, args, data):
    if event == b'open' and args[0] == outside:
        heard.append(event)
    return 0
perms = fastaudit.mk_audit([root], monitor_calls=False)
keep = add_c_hook(later)
with perms():
    outcome = try_write()
print(outcome.split(':')[0], 'heard', len(heard))
"""
        for python_hook_first, heard in ((False, 0), (True, 1)):
            with self.subTest(python_hook_first=python_hook_first):
                p, lines = run(scenario, python_hook_first)
                self.assertEqual(p.returncode, 0, proc_report(p))
                self.assertEqual(lines, [f"refused heard {heard}"], proc_report(p))


if __name__ == '__main__':
    unittest.main()
