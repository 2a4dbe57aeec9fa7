"""checks.py: the small harness the Python test scripts share (imported from tests/).

check() records a failed expectation and goes on, so that one run reports every problem;
until() waits for an event with a deadline, and not coming by then is a failure, never a pass;
finish() prints the tally and exits non-zero when anything failed or nothing was checked."""
import sys
import time

failures = []
checks = [0]


def check(cond, what):
    checks[0] += 1
    if not cond:
        failures.append(what)
        print("FAIL", what, flush=True)
    return bool(cond)


def until(cond, what, timeout=30.0):
    """Polls cond until it returns something true (which is returned) or the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    check(False, f"timed out waiting for {what}")
    return None


def finish(name):
    print(f"{name}: {checks[0] - len(failures)}/{checks[0]} checks passed")
    sys.exit(1 if failures or checks[0] == 0 else 0)
