"""Runs the snippet of every predict-the-outcome question of the bank through the real
sandbox (`fa-learn run --json --preset fastaudit`) and fails when the engine's outcome differs
from the option the question marks as right, so the bank cannot drift from the engine.

A question about a difference between FastAudit and fa-learn's hardened engine says, in its
explanation, "With `--preset hardened` the outcome is `CODE`": its snippet also runs under
`hardened`, which must give CODE, and CODE must differ from the key (a question that does not
tell the two rule sets apart must not claim to). Such a question's stem names the `fastaudit`
preset, so the learner knows which rule set to predict. The bank must hold some of them.

The stem is sent to learners (`stem_markdown` in /api/quiz), so the ```pyrun line carries no
expectations (`status=...`, `deny=...`): they would give the answer away.

Outcome codes (quiz/README.md): runs | denied EVENT | os-layer | error TYPE.
Usage: fa-learn python check_predict.py FA_LEARN_BINARY QUIZ_DIR
"""
import concurrent.futures
import json
import pathlib
import re
import subprocess
import sys

HARDENED = re.compile(r"With `--preset hardened` the outcome is `([^`]+)`")


def predict_questions(quiz_dir):
    for path in sorted(pathlib.Path(quiz_dir, "questions").glob("*.md")):
        text = path.read_text()
        if not re.search(r"^type:\s*predict\s*$", text, re.M):
            continue
        stem, _, explanation = text.partition("## Explanation")
        code = re.search(r"^```pyrun([^\n]*)\n(.*?)^```", stem, re.M | re.S)
        keyed = re.findall(r"^- \[[xX]\] (.+?)\s*$", stem, re.M)
        hardened = HARDENED.search(explanation)
        yield {"name": path.name, "info": code.group(1).strip() if code else None,
               "code": code.group(2) if code else None, "keyed": keyed,
               "hardened": hardened.group(1) if hardened else None,
               "names_preset": "`fastaudit`" in stem}


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


def run(binary, code, preset):
    proc = subprocess.run([binary, "run", "--json", "--preset", preset, "-"], input=code,
                          capture_output=True, text=True, timeout=60)
    try:
        return outcome(json.loads(proc.stdout)), None
    except ValueError:
        return None, f"no result from fa-learn run --preset {preset}: {proc.stderr[-300:]}"


def check(binary, q):
    """(name, problem or None, what the runs gave)."""
    name, keyed = q["name"], q["keyed"]
    if q["code"] is None or len(keyed) != 1:
        return name, f"needs one ```pyrun snippet and one checked option (has {len(keyed)})", ""
    if q["info"]:
        return name, f"the ```pyrun line gives the outcome away ('{q['info']}'): learners see it", ""
    got, problem = run(binary, q["code"], "fastaudit")
    if problem:
        return name, problem, ""
    if got != keyed[0]:
        return name, f"fastaudit says '{got}', the key '{keyed[0]}'", ""
    if q["hardened"] is None:
        return name, None, f"fastaudit: {got}"
    if not q["names_preset"]:
        return name, "a FastAudit-vs-hardened question must name the `fastaudit` preset in its stem", ""
    got_h, problem = run(binary, q["code"], "hardened")
    if problem:
        return name, problem, ""
    if got_h != q["hardened"]:
        return name, f"hardened says '{got_h}', the explanation '{q['hardened']}'", ""
    if got_h == got:
        return name, f"both rule sets say '{got}': not a difference", ""
    return name, None, f"fastaudit: {got}; hardened: {got_h}"


def main():
    binary, quiz_dir = str(pathlib.Path(sys.argv[1]).resolve()), sys.argv[2]
    questions = list(predict_questions(quiz_dir))
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for name, problem, seen in pool.map(lambda q: check(binary, q), questions):
            print(f"{'ok  ' if not problem else 'FAIL'} {name}: {problem or seen}")
            failures += bool(problem)
    n_both = sum(q["hardened"] is not None for q in questions)
    print(f"{len(questions)} predict questions ({n_both} run under both presets), "
          f"{failures} failed")
    if not n_both:
        print("FAIL no question tells FastAudit from the hardened engine (issue 13)")
    return 1 if failures or not questions or not n_both else 0


if __name__ == "__main__":
    sys.exit(main())
