"""Runs the snippet of every predict-the-outcome question of the bank through the real
sandbox (`fa-learn run --json`, default options) and fails when the engine's outcome differs
from the option the question marks as right, so the bank cannot drift from the engine.

Outcome codes (quiz/README.md): runs | denied EVENT | os-layer | error TYPE.
Usage: fa-learn python check_predict.py FA_LEARN_BINARY QUIZ_DIR
"""
import concurrent.futures
import json
import pathlib
import re
import subprocess
import sys


def predict_questions(quiz_dir):
    for path in sorted(pathlib.Path(quiz_dir, "questions").glob("*.md")):
        text = path.read_text()
        if not re.search(r"^type:\s*predict\s*$", text, re.M):
            continue
        code = re.search(r"^```pyrun[^\n]*\n(.*?)^```", text, re.M | re.S)
        keyed = re.findall(r"^- \[[xX]\] (.+?)\s*$", text, re.M)
        yield path.name, code.group(1) if code else None, keyed


def outcome(result):
    """The outcome code of a run's result."""
    status = result.get("status")
    if status == "ok":
        return "runs"
    if status == "denied":
        if result.get("denied_by") == "os-layer":
            return "os-layer"
        denials = [e for e in result.get("trace", []) if e["decision"] == "deny"
                   and e["class"] != "os-layer"]
        return f"denied {denials[-1]['event'] if denials else None}"
    if status == "error":
        return f"error {(result.get('exception') or {}).get('type')}"
    return status  # limit or crash: never a keyed answer


def check(binary, name, code, keyed):
    if code is None or len(keyed) != 1:
        return name, f"needs one ```pyrun snippet and one checked option (has {len(keyed)})"
    proc = subprocess.run([binary, "run", "--json", "-"], input=code, capture_output=True,
                          text=True, timeout=60)
    try:
        got = outcome(json.loads(proc.stdout))
    except ValueError:
        return name, f"no result from fa-learn run: {proc.stderr[-300:]}"
    return name, None if got == keyed[0] else f"the engine says '{got}', the key '{keyed[0]}'"


def main():
    binary, quiz_dir = str(pathlib.Path(sys.argv[1]).resolve()), sys.argv[2]
    questions = list(predict_questions(quiz_dir))
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for name, problem in pool.map(lambda q: check(binary, *q), questions):
            print(f"{'ok  ' if not problem else 'FAIL'} {name}" + (f": {problem}" if problem else ""))
            failures += bool(problem)
    print(f"{len(questions)} predict questions, {failures} failed")
    return 1 if failures or not questions else 0


if __name__ == "__main__":
    sys.exit(main())
