"""check_examples.py can fail: run on a fixture page (fixtures/preset-labels.md), it must pass
the blocks that are right and fail each kind of wrong one, with the reason (issue 13: a block
is checked under the preset its first line names, and a block whose outcome depends on the
preset must name one).

Usage: fa-learn python test_check_examples.py FA_LEARN_BINARY CONTENT_DIR
"""
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "preset-labels.md"

# In the order of the fixture's blocks: (passes, a phrase the failure must contain).
WANT = [
    (False, "the outcome depends on the preset"),
    (True, None),
    (True, None),
    (False, "output differs from the page"),
    (False, "preset= in the info string"),
    (False, "the preset must be one of"),
    (True, None),
    (False, "the outcome depends on the preset"),
]


def main():
    binary, content = sys.argv[1], sys.argv[2]
    proc = subprocess.run([sys.executable, str(HERE / "check_examples.py"), binary, content,
                           str(FIXTURE)], capture_output=True, text=True, timeout=300)
    out = proc.stdout
    print(out, proc.stderr[-2000:])
    # Each block's verdict line and the indented lines of its reasons.
    verdicts = re.findall(r"^(ok  |FAIL) preset-labels\.md:\d+\n((?: {5}.*\n)*)", out, re.M)
    problems = []
    if len(verdicts) != len(WANT):
        problems.append(f"{len(verdicts)} verdicts, want {len(WANT)}")
    for n, ((passes, phrase), (verdict, reasons)) in enumerate(zip(WANT, verdicts), 1):
        if passes != (verdict == "ok  "):
            problems.append(f"block {n}: {verdict.strip()}, want {'ok' if passes else 'FAIL'}")
        elif phrase and phrase not in reasons:
            problems.append(f"block {n}: the failure does not say {phrase!r}")
    if proc.returncode != 1:
        problems.append(f"exit status {proc.returncode}, want 1 (some blocks fail)")
    for p in problems:
        print("FAIL", p)
    print("ok" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
