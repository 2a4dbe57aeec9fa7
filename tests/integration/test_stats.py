"""`fa-learn stats` over a data folder a real server is writing (issue 15: the instructor's
numbers and exports).

A known class is created through the quiz API: learners in two classes and one without a class
answer a topic quiz and the full quiz with a fixed pattern of right and wrong answers. The
statistics are then worked out here from what the API answered (each question's earned and
max marks), independently of the C code, and compared with `fa-learn stats --json`:
facility, discrimination (Pearson's r of the question's share with the rest's share), the
score distribution and summary, per-topic scores. The CSV exports are parsed back with
Python's csv module (RFC 4180) and must agree with the JSON. A row damaged behind the
server's back is skipped and counted. Bad arguments and a missing
store give their exit status and one clear line.

Usage: fa-learn python test_stats.py FA_LEARN_BINARY SOURCE_DIR"""
import csv
import io
import json
import math
import os
import statistics
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
import test_quiz  # noqa: E402  (its server, request and right-answer helpers)
from serving import Server  # noqa: E402
from quiz_tokens import sign  # noqa: E402

SEED = 4321


def wrong_answer(q, right):
    if isinstance(right, str):
        return "not the answer"
    wrong = [i for i in range(len(q["options"])) if i not in right]
    return wrong[:1] or []


def submit_class(base, data):
    """Submits the known class; returns the API's results, one per attempt."""
    results = []
    questions, right = test_quiz.right_answers(base, "all", SEED)
    # A topic's page shows its questions' options in the same order for the same seed.
    topic = questions[0]["topic"]
    people = [("Ada", "CS-1"), ("Bob", "CS-1"), ("=cmd|' /C calc'!A0", "CS-1"), ("Dee", "CS-2"),
              ("Eve, \"E\"", "CS-2"), ("Finn", "")]
    for k, (name, code) in enumerate(people):
        for quiz in ("all", topic):
            answers = {}
            for j, q in enumerate(questions):
                if quiz != "all" and q["topic"] != topic:
                    continue
                # A fixed pattern: learner k gets question j right unless (j * (k + 1)) % 5
                # falls low, so learners differ in strength and questions in difficulty;
                # every sixth question is left unanswered by the odd learners.
                if k % 2 and j % 6 == 0:
                    continue
                good = (j * (k + 1) + k) % 5 >= k % 3 + 1
                answers[q["id"]] = right[q["id"]] if good else wrong_answer(q, right[q["id"]])
            body = {"name": name, "quiz": quiz, "answers": answers,
                    "attempt": sign(data, quiz, SEED)}
            if code:
                body["class"] = code
            status, result = test_quiz.api_submit(base, body)
            check(status == 201, f"submission {name}/{quiz} is stored ({status})")
            result["class"] = code
            results.append(result)
    return results


def stats(binary, data, *args):
    p = subprocess.run([binary, "stats", "--data", data,
                        "--quiz-dir", os.path.join(test_quiz.SOURCE, "quiz"), *args],
                       capture_output=True, timeout=60)
    # Bytes decoded by hand: text mode would turn the CSV's CRLF into LF.
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def pearson(xs, ys):
    if len(xs) < 2:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx < 1e-12 or syy < 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def percent(score, mx):
    return int((round(score * 1000) * 100 + round(mx * 1000) // 2) // round(mx * 1000)) \
        if mx > 0 else 0


def expected_items(results):
    """question id -> (given, facility %, discrimination or None), from the API's marks."""
    per = {}
    for r in results:
        for item in r["results"]:
            x = item["earned"] / item["max"]
            rest_max = r["max"] - item["max"]
            rest = (r["score"] - item["earned"]) / rest_max if rest_max > 0 else None
            per.setdefault(item["id"], []).append((x, rest))
    out = {}
    for qid, pairs in per.items():
        xs = [x for x, _ in pairs]
        paired = [(x, y) for x, y in pairs if y is not None]
        out[qid] = (len(xs), 100 * statistics.fmean(xs),
                    pearson([x for x, _ in paired], [y for _, y in paired]))
    return out


def near(a, b, eps=1e-6):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < eps


def test_json(binary, data, results, label, *args):
    status, out, err = stats(binary, data, "--json", *args)
    check(status == 0, f"{label}: stats --json succeeds ({status}: {err.strip()})")
    if status:
        return None
    doc = json.loads(out)
    check(doc["damaged"] == 0, f"{label}: no damaged rows")
    check([a["report_id"] for a in doc["attempts"]] == [r["report_id"] for r in results],
          f"{label}: one row per attempt, in the order of submission")
    for a, r in zip(doc["attempts"], results):
        check(near(a["score"], r["score"]) and near(a["max"], r["max"])
              and a["percent"] == r["percent"] and a["class"] == r["class"],
              f"{label}: attempt {a['report_id']} as the API answered it")
    want = expected_items(results)
    given = {q["question"]: q for q in doc["questions"] if q["given"]}
    check(set(given) == set(want), f"{label}: statistics for exactly the questions given")
    for qid, (n, facility, disc) in want.items():
        q = given.get(qid, {})
        check(q.get("given") == n and near(q.get("facility"), facility)
              and near(q.get("discrimination"), disc),
              f"{label}: {qid}: given {q.get('given')}/{n}, facility {q.get('facility')}/"
              f"{facility}, discrimination {q.get('discrimination')}/{disc}")
    scores = [100 * r["score"] / r["max"] for r in results]
    s = doc["summary"]
    check(s["attempts"] == len(results) and near(s["mean"], statistics.fmean(scores))
          and near(s["median"], statistics.median(scores))
          and near(s["stddev"], statistics.pstdev(scores)),
          f"{label}: summary {s}")
    bins = [0] * 10
    for r in results:
        bins[min(percent(r["score"], r["max"]) // 10, 9)] += 1
    check(s["histogram"] == bins, f"{label}: distribution {s['histogram']} == {bins}")
    # Options: a single-choice question's keyed option was chosen by exactly the attempts
    # the API marked correct on it.
    correct = {}
    for r in results:
        for item in r["results"]:
            correct.setdefault(item["id"], 0)
            correct[item["id"]] += item["verdict"] == "correct"
    files = test_quiz.question_files()
    for qid, q in given.items():
        if "type: single" not in files[qid]:
            continue
        marks = [line.startswith("- [x]") for line in files[qid].splitlines()
                 if line.startswith("- [")]
        check(q["options"][marks.index(True)] == correct[qid],
              f"{label}: {qid}: the keyed option's count is the number of right answers")
    return doc


def test_csv(binary, data, doc, label, *args):
    status, out, err = stats(binary, data, "--csv", *args)
    check(status == 0 and out.endswith("\r\n"), f"{label}: stats --csv succeeds, CRLF rows")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    check(len(rows) == len(doc["attempts"]), f"{label}: one CSV row per attempt")
    for row, a in zip(rows, doc["attempts"]):
        name = row["learner"][1:] if a["learner"][0] in "=+-@" else row["learner"]
        check(row["report_id"] == a["report_id"] and name == a["learner"]
              and float(row["score"]) == a["score"] and int(row["percent"]) == a["percent"],
              f"{label}: CSV row {row['report_id']} equals the JSON")
        for slug, t in a["topics"].items():
            check(int(row[slug]) == t["percent"], f"{label}: topic {slug} in CSV and JSON")
        if a["learner"].startswith("="):
            check(row["learner"].startswith("'="), "a formula-like name is disarmed in CSV")
    status, out, err = stats(binary, data, "--csv", "--questions", *args)
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    check(status == 0 and len(rows) == len(doc["questions"]),
          f"{label}: one CSV row per question")
    for row, q in zip(rows, doc["questions"]):
        disc = float(row["discrimination"]) if row["discrimination"] else None
        check(row["question"] == q["question"] and int(row["given"]) == q["given"]
              and near(disc, q["discrimination"], 5e-4),
              f"{label}: question {q['question']} in CSV and JSON")


def test_errors(binary, data):
    with tempfile.TemporaryDirectory() as empty:
        status, out, err = stats(binary, empty)
        check(status == 1 and "no store" in err and not os.listdir(empty),
              "a folder without a store: exit 1, one line, nothing created")
    for args, what in ((["--bogus"], "unknown argument"), (["--questions"], "--questions goes"),
                       (["--csv", "--json"], "choose one"), (["--class"], "needs a value"),
                       (["--class", "x" * 33], "at most 32")):
        status, _, err = stats(binary, data, *args)
        check(status == 2 and what in err, f"stats {' '.join(args)[:40]}: exit 2, '{what}'")
    status, out, _ = stats(binary, data, "--class", "NOPE", "--json")
    check(status == 0 and json.loads(out)["attempts"] == [], "an unknown class has no attempts")


def test_damaged(binary, data, results):
    """A damaged row is skipped and counted; the other attempts still make the statistics."""
    db = sqlite3.connect(os.path.join(data, "fa-learn.db"))
    with db:
        db.execute("UPDATE attempts SET answers = 'not answers' WHERE report_id = ?",
                   (results[0]["report_id"],))
    db.close()
    status, out, err = stats(binary, data, "--json")
    doc = json.loads(out) if status == 0 else {}
    check(doc.get("damaged") == 1 and len(doc.get("attempts", [])) == len(results) - 1,
          f"a damaged row is skipped and counted ({status}: {err.strip()})")
    status, out, _ = stats(binary, data)
    check(status == 0 and "1 damaged row skipped" in out, "the text summary names it")


def main():
    binary, test_quiz.SOURCE = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as data:
        server = Server(binary, data, "--quiet", "--no-sandbox")
        try:
            results = submit_class(server.base, data)
            # While the server runs: the store is read beside it.
            doc = test_json(binary, data, results, "everyone")
            if doc:
                test_csv(binary, data, doc, "everyone")
            cs1 = [r for r in results if r["class"] == "CS-1"]
            doc = test_json(binary, data, cs1, "CS-1", "--class", "CS-1")
            if doc:
                test_csv(binary, data, doc, "CS-1", "--class", "CS-1")
            none = [r for r in results if r["class"] == "" and r["quiz"] == "all"]
            test_json(binary, data, none, "no class, full quiz", "--class", "", "--quiz", "all")
            status, out, _ = stats(binary, data)
            check(status == 0 and f"{len(results)} attempts" in out and "facility" in out,
                  "the text summary")
            test_errors(binary, data)
        finally:
            server.stop()
        test_damaged(binary, data, results)
    finish("integration.stats")


if __name__ == "__main__":
    main()
