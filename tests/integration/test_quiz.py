"""The quiz over HTTP against a real `fa-learn serve` and its SQLite store:

- the quiz pages (the list, a topic's quiz, the full one) with accessible controls;
- a submission through the form (303 to the permalink) and through the JSON API: the stored
  attempt, read back by GET /api/report/<id>, equals the result the submission showed, and the
  permalink page shows the same plain-text report;
- bad input: 400/413/415 with a specific message, 404 for unknown report ids and topics;
- attempt tokens (issue 14): the start time and the option order come signed with the page;
  a forged or missing token is refused with the answers kept, and ?attempt= gives the same
  attempt again after a reload;
- option values carry no information (issue 13): every question answered with the lowest
  value scores about what guessing scores, over fixed seeds;
- SIGKILL during a stream of submissions: after a restart every acknowledged attempt is there.

Usage: fa-learn python test_quiz.py FA_LEARN_BINARY SOURCE_DIR"""
import html
import json
import os
import re
import signal
import sys
import tempfile
import threading
import urllib.error
import urllib.parse

# The shared harness: tests/checks.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from checks import check, checks, failures, until  # noqa: E402
from quiz_tokens import option_order, seed_of, sign  # noqa: E402
from serving import Server, request  # noqa: E402


def api_submit(base, body):
    status, _, text = request(base, "/api/quiz/submit", json.dumps(body).encode(),
                              "application/json")
    return status, json.loads(text)


def report_text(page):
    m = re.search(r'<pre id="report-text"[^>]*>(.*?)</pre>', page, re.S)
    return html.unescape(m.group(1)) if m else None


def keyed(src):
    """The bank indexes of a question file's checked options."""
    return [i for i, mark in enumerate(re.findall(r"^- \[([ xX])\] ", src, re.M)) if mark != " "]


def right_answers(base, quiz, seed):
    """A full set of right answers for an attempt with this seed, as the places its page
    shows them in, from the bank files (the API never gives them)."""
    status, _, text = request(base, f"/api/quiz?topic={quiz}")
    questions = json.loads(text)["questions"]
    answers = {}
    files = question_files()
    for q in questions:
        src = files[q["id"]]
        if q["type"] == "short":
            answers[q["id"]] = re.search(r"## Accepted answers\s*\n\s*- (.+)", src).group(1)
        else:
            order = option_order(q["id"], len(q["options"]), seed, q["type"] == "truefalse")
            answers[q["id"]] = sorted(order.index(i) for i in keyed(src))
    return questions, answers


def question_files():
    """id -> the text of its file in the bank."""
    folder = os.path.join(SOURCE, "quiz", "questions")
    out = {}
    for name in os.listdir(folder):
        text = open(os.path.join(folder, name)).read()
        m = re.search(r"^id:\s*(\S+)\s*$", text, re.M)
        if m:
            out[m.group(1)] = text
    return out


def test_pages(base):
    status, _, page = request(base, "/quiz")
    check(status == 200 and 'href="/quiz/all"' in page, "/quiz lists the full quiz")
    topics = re.findall(r'href="/quiz/([a-z0-9-]+)"', page)
    check(len(topics) >= 17, f"/quiz lists every topic ({len(topics)})")
    status, _, page = request(base, "/quiz/all")
    n = page.count('class="quiz-question"')
    check(status == 200 and n >= 48, f"the full quiz shows every question ({n})")
    check(page.count("<fieldset>") == n and page.count("<legend>") == n,
          "each question is a fieldset with a legend")
    ids = re.findall(r'<input type="(?:radio|checkbox)" name="[^"]+" id="([^"]+)"', page)
    labels = set(re.findall(r'<label for="([^"]+)"', page))
    check(ids and all(i in labels for i in ids), "every option has its label")
    check(re.search(r'<input [^>]*name="name" required [^>]*maxlength="80"', page),
          "the name field is required and capped")
    check("language-pyrun" not in page, "no Try it link gives a predict answer away")
    token = re.search(r'name="attempt" value="(\d+)\.(\d+)\.[0-9a-f]{64}"', page)
    check(token is not None, "the quiz page carries its signed attempt token")
    values = re.findall(r'<ul class="quiz-options">(.*?)</ul>', page, re.S)
    check(values and all(re.findall(r'value="(\d+)"', v) ==
                         [str(k) for k in range(len(re.findall(r'value="', v)))] for v in values),
          "option values are the places shown (0, 1, 2...), never the bank's numbers")
    status, _, _ = request(base, "/quiz/no-such-topic")
    check(status == 404, "an unknown quiz is 404")


def test_form_and_api(base, data):
    questions, answers = right_answers(base, "all", 12345)
    # The form: every right answer, from a class; a 303 to the permalink.
    form = [("quiz", "all"), ("attempt", sign(data, "all", 12345)), ("name", "Ada <Lovelace>"),
            ("class", "CS-101")]
    for q in questions:
        a = answers[q["id"]]
        if isinstance(a, str):
            form.append(("a." + q["id"], "  " + a.upper() + " "))
        else:
            form += [("a." + q["id"], str(i)) for i in a]
    status, headers, _ = request(base, "/quiz/submit", urllib.parse.urlencode(form).encode(),
                                 "application/x-www-form-urlencoded", follow=False)
    location = headers.get("Location", "")
    check(status == 303 and re.fullmatch(r"/report/[0-9a-f]{32}", location),
          f"the form answers 303 to the permalink ({status} {location})")
    report_id = location.rsplit("/", 1)[-1]
    status, _, page = request(base, location)
    check(status == 200, "the permalink page answers")
    check("Ada &lt;Lovelace&gt;" in page and "<Lovelace>" not in page, "the name is escaped")
    status, _, text = request(base, f"/api/report/{report_id}")
    stored = json.loads(text)
    check(stored["percent"] == 100 and stored["score"] == stored["max"],
          f"all right answers score 100% ({stored['score']}/{stored['max']})")
    check(report_text(page) == stored["report_text"], "the page shows the stored report")
    check("Every question answered correctly." in stored["report_text"], "nothing to review")
    check(stored["class"] == "CS-101", "the class code is stored")
    check(all(len(line) <= 72 for line in stored["report_text"].splitlines()),
          "the report is at most 72 columns wide")

    # The API: half wrong, one topic; the submit's answer equals what is stored.
    topic = questions[0]["topic"]
    subset = [q for q in questions if q["topic"] == topic]
    questions, answers = right_answers(base, topic, 777)
    body = {"name": "Bob", "quiz": topic, "attempt": sign(data, topic, 777), "answers": {}}
    for k, q in enumerate(subset):
        a = answers[q["id"]]
        if k % 2:
            body["answers"][q["id"]] = "wrong answer" if isinstance(a, str) else \
                [i for i in range(len(q["options"])) if i not in a][:1]
        else:
            body["answers"][q["id"]] = a
    status, result = api_submit(base, body)
    check(status == 201, f"the API answers 201 ({status}: {result})")
    status, _, text = request(base, f"/api/report/{result['report_id']}")
    stored = json.loads(text)
    check(stored.pop("report_markdown", "").startswith("### Performance report"),
          "the report's Markdown form is stored")
    diff = {k: (stored.get(k), result.get(k)) for k in set(stored) | set(result)
            if stored.get(k) != result.get(k)}
    check(not diff, f"the stored attempt equals the submit's answer: {diff}")
    check(0 < result["percent"] < 100, f"a partly right attempt ({result['percent']}%)")
    check(len(result["results"]) == len(subset), "a result per question of the topic")
    missed = [r for r in result["results"] if r["verdict"] != "correct"]
    check(all(r["wiki"].startswith("/wiki/") for r in missed), "missed answers link the wiki")
    status, _, page = request(base, f"/report/{result['report_id']}")
    check(report_text(page) == result["report_text"], "the permalink shows the same report")
    check(result["report_url"].endswith("/report/" + result["report_id"]),
          "the report names its permalink")
    check(result["report_url"] in result["report_text"], "the report text holds the permalink")


def test_shuffled_order_kept(base, data):
    """The review shows every question's options in the order the quiz page showed them."""
    status, _, page = request(base, "/quiz/all")
    token = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
    seed = seed_of(data, "all", token)
    shown = {}
    for qid, body in re.findall(r'<li class="quiz-question" id="q-([^"]+)">(.*?)</li>\n</ul>',
                                page, re.S):
        shown[qid] = len(re.findall(r'type="(?:radio|checkbox)" name="a\.', body))
    form = [("quiz", "all"), ("attempt", token), ("name", "Order")]
    status, headers, _ = request(base, "/quiz/submit", urllib.parse.urlencode(form).encode(),
                                 "application/x-www-form-urlencoded", follow=False)
    status, _, review = request(base, headers["Location"])
    labels = re.findall(r'<li class="is-(?:right|wrong)[^"]*">(?:<span[^>]*>[^<]*</span> )?'
                        r'(?:<span class="mark">right</span>)? (.*?)</li>', review)
    orders = [option_order(qid, n, seed) for qid, n in shown.items() if n > 2]
    shuffled = sum(1 for o in orders if o != sorted(o))
    check(len(orders) > 10 and shuffled > 0,
          f"the quiz page shuffles options ({shuffled} of {len(orders)} questions)")
    # The review lists the same option texts in the same order as the quiz page's labels.
    page_labels = re.findall(r'<label for="a-[^"]+-\d+">(.*?)</label>', page)
    check(labels == page_labels, "the review keeps the order the quiz page showed")


def test_bad_input(base, data):
    cases = [
        ({"name": "x", "quiz": "all", "answers": {"no-such-question": [0]}}, 400, "not in this quiz"),
        ({"name": "x", "quiz": "nope", "answers": {}}, 400, "quiz names no topic"),
        ({"quiz": "all", "answers": {}}, 400, "name is required"),
        ({"name": "x" * 81, "quiz": "all", "answers": {}}, 400, "too long"),
        ({"name": "x", "class": "bad code!", "answers": {}}, 400, "class code has only"),
        ({"name": "x", "answers": {}, "extra": 1}, 400, "unknown field"),
        ({"name": "x", "answers": []}, 400, "answers is required"),
    ]
    for body, want, text in cases:
        status, result = api_submit(base, body)
        check(status == want and text in result.get("error", ""),
              f"{body} -> {want} '{text}' (got {status} {result})")
    status, _, text = request(base, "/api/quiz/submit", b"{not json", "application/json")
    check(status == 400 and "not valid JSON" in text, "bad JSON is 400")
    status, _, _ = request(base, "/api/quiz/submit", b"{}", "text/plain")
    check(status == 415, "a wrong content type is 415")
    status, _, text = request(base, "/quiz/submit", b"quiz=all&name=x&a.x=%zz",
                              "application/x-www-form-urlencoded")
    check(status == 400 and "garbled" in text, "a garbled form is 400")
    # Issue 14: a name of only spaces answers the quiz again (422), with the error next to the
    # name and the answers and class code sent filled in, not a dead end.
    token = sign(data, "all", 7)
    status, _, text = request(base, "/quiz/submit",
                              f"quiz=all&attempt={token}&name=+++&class=LAB-1".encode(),
                              "application/x-www-form-urlencoded")
    check(status == 422 and "give your name" in text and 'id="quiz-form"' in text
          and 'aria-invalid="true" aria-describedby="quiz-name-error"' in text
          and f'name="attempt" value="{token}"' in text and 'value="LAB-1"' in text,
          "a form with a blank name comes back filled in, the error by the name (422)")
    status, _, _ = request(base, "/quiz/submit", b"x=" + b"a" * 70000,
                           "application/x-www-form-urlencoded")
    check(status == 413, "an oversized form is 413")
    for bad in ("0" * 32, "zz", "../../etc/passwd", "A" * 32):
        status, _, _ = request(base, f"/report/{bad}")
        check(status == 404, f"/report/{bad} is 404")
        status, _, text = request(base, f"/api/report/{bad}")
        check(status == 404 and "no report" in text, f"/api/report/{bad} is 404")
    status, _, _ = request(base, "/api/quiz?topic=nope")
    check(status == 404, "an unknown topic in the API is 404")


def checked_options(page):
    """{question id: [label HTML of each checked option]} of a quiz page."""
    out = {}
    for qid, label in re.findall(r'name="a\.([^"]+)" id="a-[^"]+-(?:\d+)" value="\d+" checked> '
                                 r'<label for="[^"]+">(.*?)</label>', page):
        out.setdefault(qid, []).append(label)
    return out


def test_attempt_tokens(base, data):
    """Issue 14: the start time and the seed are signed with the page; a forged or missing
    token is refused with a specific error and the answers kept; ?attempt= (what quiz.js asks
    for on a reload) gives the same attempt, start time and order again."""
    status, _, page = request(base, "/quiz/all")
    token = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
    seed, started, mac = token.split(".")
    status, _, again = request(base, "/quiz/all?attempt=" + token)
    check(status == 200 and f'name="attempt" value="{token}"' in again and
          re.findall(r"<label for=[^>]*>(.*?)</label>", again) ==
          re.findall(r"<label for=[^>]*>(.*?)</label>", page),
          "?attempt= gives the same attempt again: its token, start time and option order")
    forged = f"{seed}.{int(started) - 3600 * 1000}.{mac}"
    status, _, fresh = request(base, "/quiz/all?attempt=" + forged)
    check(f'name="attempt" value="{forged}"' not in fresh,
          "a forged ?attempt= gets a new attempt, not the forged start time")

    # The form, with an hour taken off the start time: refused, answers kept.
    questions, answers = right_answers(base, "all", seed_of(data, "all", token))
    chosen = [q for q in questions if q["type"] != "short"][:5]
    form = [("quiz", "all"), ("attempt", forged), ("name", "Forger")]
    form += [("a." + q["id"], str(answers[q["id"]][0])) for q in chosen]
    status, _, text = request(base, "/quiz/submit", urllib.parse.urlencode(form).encode(),
                              "application/x-www-form-urlencoded")
    check(status == 422 and 'id="quiz-attempt-error"' in text and "did not check out" in text,
          f"a forged start time is refused with its own error ({status})")
    new_token = re.search(r'name="attempt" value="([^"]+)"', text).group(1)
    check(new_token != forged and 'value="Forger"' in text,
          "the page comes back with a new token and the name kept")
    labels = dict(re.findall(r'<label for="a-([^"]+)">(.*?)</label>', page))
    want = {q["id"]: [labels[f"{q['id']}-{answers[q['id']][0]}"]] for q in chosen}
    check(checked_options(text) == want,
          "every answer is still chosen (the same options, wherever the new order puts them)")
    # No token at all: the same, with the missing token named.
    form = [f for f in form if f[0] != "attempt"]
    status, _, text = request(base, "/quiz/submit", urllib.parse.urlencode(form).encode(),
                              "application/x-www-form-urlencoded")
    # (Its values are read as the bank's numbers, which is what pages sent before tokens.)
    check(status == 422 and "had no attempt token" in text and 'value="Forger"' in text and
          sum(map(len, checked_options(text).values())) == len(chosen),
          f"a form without a token is refused, answers kept ({status})")
    # The JSON API: the same refusals, specific errors.
    body = {"name": "Forger", "quiz": "all", "answers": {}}
    status, result = api_submit(base, body)
    check(status == 400 and "attempt is required" in result.get("error", ""),
          f"the API without a token: {status} {result}")
    for bad, what in [(forged, "a forged start time"),
                      (sign(data, "audit-hooks", seed_of(data, "all", token)),
                       "another quiz's token"),
                      (sign(None, "all", 1, secret=b"k" * 32), "another key's token"),
                      ("1.2.xyz", "a garbled token")]:
        status, result = api_submit(base, dict(body, attempt=bad))
        check(status == 400 and "does not check out" in result.get("error", ""),
              f"the API refuses {what}: {status} {result}")
    # A real token: the time taken is the token's (an hour, as signed by the server).
    status, result = api_submit(base, dict(body, attempt=sign(data, "all", 5,
                                                               result_started := int(started))))
    check(status == 201 and result["started_ms"] == result_started,
          f"the API takes the signed start time ({status})")
    two_days = int(started) - 2 * 24 * 3600 * 1000  # signed: believed however long ago
    status, result = api_submit(base, dict(body, attempt=sign(data, "all", 5, two_days)))
    check(status == 201 and result["started_ms"] == two_days and
          "Time taken: 48 h" in result["report_text"],
          f"a start two days ago, signed, is believed ({status})")
    status, _, text = request(base, "/api/quiz")
    api = json.loads(text)
    check(re.fullmatch(r"\d+\.\d+\.[0-9a-f]{64}", api.get("attempt", "")) and
          api["attempt"].split(".")[1] == str(api["started_ms"]) and "seed" not in api,
          "GET /api/quiz gives a signed attempt token with its start time, and no bare seed")
    # The seed is masked in the token: the same seed makes other numbers in two quizzes'
    # tokens, so a learner cannot work out the bank's order behind the order shown.
    check(sign(data, "all", 99).split(".")[0] != sign(data, "audit-hooks", 99).split(".")[0]
          and sign(data, "all", 99).split(".")[0] != "99", "the token's seed is masked")


def test_lowest_value(base, data):
    """Issue 13: option values carry no information. Every question of the full quiz answered
    with the lowest value, over eight fixed seeds: the score is about what guessing gives
    (the bank's numbers as values gave 44%: the key was most often the bank's first option),
    and no one-answer question with three options or more has its key always shown first."""
    status, _, text = request(base, "/api/quiz")
    questions = json.loads(text)["questions"]
    files = question_files()
    chance = points = 0.0
    for q in questions:
        points += q["points"]
        if q["type"] == "truefalse":  # shown in their order: True first
            chance += q["points"] * (0 in keyed(files[q["id"]]))
        elif q["type"] != "short":  # one option of n (partial credit for multiple: 1/right)
            chance += q["points"] / len(q["options"])
    chance = 100 * chance / points
    scores, always = [], {q["id"] for q in questions if q["type"] in ("single", "predict")
                          and len(q["options"]) >= 3}
    for seed in range(1, 9):
        answers = {q["id"]: ("" if q["type"] == "short" else 0) for q in questions}
        status, result = api_submit(base, {"name": "Lowest", "quiz": "all", "answers": answers,
                                           "attempt": sign(data, "all", seed)})
        if not check(status == 201, f"seed {seed}: {status} {result}"):
            return
        scores.append(100 * result["score"] / result["max"])
        right = {r["id"] for r in result["results"] if r["verdict"] == "correct"}
        always &= right
    mean = sum(scores) / len(scores)
    print(f"lowest value everywhere: {mean:.1f}% over 8 seeds "
          f"({', '.join(f'{x:.0f}' for x in scores)}); guessing: {chance:.1f}%")
    check(mean < 45 and abs(mean - chance) < 10,
          f"the lowest value scores about what guessing does ({mean:.1f}% vs {chance:.1f}%)")
    check(not always, f"no key is always shown first: {sorted(always)}")


IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*")


def identifiers(text):
    """The identifiers in text that Markdown could damage: with a '_' or a '.' in them."""
    return {m for m in IDENTIFIER.findall(text) if "_" in m or "." in m}


def stem_source(src):
    """What a question's report title shows, as written: its stem up to its first paragraph's
    end, code blocks by their first line."""
    body = src.split("\n---\n", 1)[1]
    shown, para, fence = [], [], None
    for line in body.splitlines():
        if fence is not None:  # inside a code block: keep its first line that says something
            if line.startswith(fence):
                fence = None
            elif not fence_seen[0] and line.strip():
                shown.append(line)
                fence_seen[0] = True
        elif line.startswith("```"):
            fence, fence_seen = line[:3], [False]
        elif line.strip():
            para.append(line)
        elif para:
            break
    return "\n".join(shown + para)


def test_report_identifiers(base, data):
    """Issue 13, section 3: the plain-text and Markdown reports of every question of the real
    bank keep every identifier of its stem as written (they stripped '_' pairs:
    PySys_AddAuditHook became PySysAddAuditHook) and show no code fences."""
    status, result = api_submit(base, {"name": "Ids", "quiz": "all", "answers": {},
                                       "attempt": sign(data, "all")})
    if not check(status == 201, f"a submission for the report test: {status}"):
        return
    status, _, text = request(base, f"/api/report/{result['report_id']}")
    stored = json.loads(text)
    files = question_files()
    ids = [r["id"] for r in stored["results"]]
    plain = dict(re.findall(r"^ +(\d+)\. (.*)$", stored["report_text"], re.M))
    md = dict(re.findall(r"^(\d+)\. (.*) \((?:unanswered|incorrect|partial)\) — right answer",
                         stored["report_markdown"], re.M))
    check(len(plain) == len(ids) and len(md) == len(ids),
          f"every question is in both reports ({len(plain)}, {len(md)} of {len(ids)})")
    damaged = []
    for number, qid in enumerate(ids, 1):
        source = stem_source(files[qid])
        want = identifiers(source)
        for form, line in (("text", plain.get(str(number), "")),
                           ("markdown", re.sub(r"\\([!-/:-@\[-`{-~])", r"\1",
                                               md.get(str(number), "")))):
            cut = line.endswith("...")
            shown = identifiers(line[:-3] if cut else line)
            if cut:  # the last word may be cut short; the ones before it must be whole
                last = IDENTIFIER.findall(line[:-3])[-1:]
                shown -= set(last)
                missing = {i for i in shown if i not in want}
            else:
                missing = {i for i in want if i not in line} | {i for i in shown if i not in want}
            if missing or "```" in line:
                damaged.append(f"{qid} ({form}): {sorted(missing)} in {line!r}")
    check(not damaged, "identifiers kept as written in every title:\n  " + "\n  ".join(damaged))


def test_kill(binary, data):
    """Submissions from 4 clients; SIGKILL mid-stream; every acknowledged id survives."""
    server = Server(binary, data, "--quiet", "--no-sandbox")
    acknowledged, stop = [], threading.Event()
    lock = threading.Lock()

    def client(k):
        n = 0
        while not stop.is_set():
            try:
                status, result = api_submit(server.base, {"name": f"load {k} {n}", "quiz": "all",
                                                          "answers": {}, "attempt": token})
            except (OSError, ValueError, urllib.error.URLError):
                return  # the server is gone
            if status == 201:
                with lock:
                    acknowledged.append(result["report_id"])
            n += 1

    token = sign(data, "all")
    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    # Polled with a deadline (issue 16: this was a busy loop, no timeout, holding the GIL
    # away from the very clients it waited for).
    until(lambda: len(acknowledged) >= 300, "300 acknowledged submissions", timeout=120)
    server.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    server = Server(binary, data, "--quiet", "--no-sandbox")
    missing = [r for r in acknowledged
               if request(server.base, f"/api/report/{r}")[0] != 200]
    check(not missing, f"{len(acknowledged)} acknowledged attempts, {len(missing)} lost after "
                       f"SIGKILL")
    server.stop()


def main():
    global SOURCE
    binary, SOURCE = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as data:
        server = Server(binary, data, "--quiet", "--no-sandbox")
        try:
            test_pages(server.base)
            test_form_and_api(server.base, data)
            test_shuffled_order_kept(server.base, data)
            test_bad_input(server.base, data)
            test_attempt_tokens(server.base, data)
            test_lowest_value(server.base, data)
            test_report_identifiers(server.base, data)
        finally:
            server.stop()
        test_kill(binary, data)
    print(f"{checks[0]} checks, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
