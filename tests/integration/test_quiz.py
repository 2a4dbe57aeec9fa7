"""The quiz over HTTP against a real `fa-learn serve` and its SQLite store:

- the quiz pages (the list, a topic's quiz, the full one) with accessible controls;
- a submission through the form (303 to the permalink) and through the JSON API: the stored
  attempt, read back by GET /api/report/<id>, equals the result the submission showed, and the
  permalink page shows the same plain-text report;
- bad input: 400/413/415 with a specific message, 404 for unknown report ids and topics;
- SIGKILL during a stream of submissions: after a restart every acknowledged attempt is there.

Usage: fa-learn python test_quiz.py FA_LEARN_BINARY SOURCE_DIR"""
import html
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request

# The shared harness: tests/checks.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from checks import check, checks, failures, until  # noqa: E402


class Server:
    def __init__(self, binary, data):
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--data", data, "--quiet",
                                      "--no-sandbox"], stdout=subprocess.PIPE, text=True)
        self.base = self.proc.stdout.readline().split("serving ", 1)[1].strip().rstrip("/")

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def request(base, path, data=None, content_type=None, follow=True):
    """(status, headers, body) without raising on HTTP errors."""
    req = urllib.request.Request(base + path, data=data)
    if content_type:
        req.add_header("Content-Type", content_type)
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def api_submit(base, body):
    status, _, text = request(base, "/api/quiz/submit", json.dumps(body).encode(),
                              "application/json")
    return status, json.loads(text)


def report_text(page):
    m = re.search(r'<pre id="report-text"[^>]*>(.*?)</pre>', page, re.S)
    return html.unescape(m.group(1)) if m else None


def right_answers(base, quiz):
    """A full set of right answers, from the bank files (the API never gives them)."""
    status, _, text = request(base, f"/api/quiz?topic={quiz}")
    questions = json.loads(text)["questions"]
    answers = {}
    files = question_files()
    for q in questions:
        src = files[q["id"]]
        if q["type"] == "short":
            answers[q["id"]] = re.search(r"## Accepted answers\s*\n\s*- (.+)", src).group(1)
        else:
            options = re.findall(r"^- \[([ xX])\] ", src, re.M)
            answers[q["id"]] = [i for i, mark in enumerate(options) if mark != " "]
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
    seed = re.search(r'name="seed" value="(\d+)"', page)
    check(seed is not None, "the quiz page carries its seed")
    status, _, _ = request(base, "/quiz/no-such-topic")
    check(status == 404, "an unknown quiz is 404")


def test_form_and_api(base):
    questions, answers = right_answers(base, "all")
    # The form: every right answer, from a class; a 303 to the permalink.
    form = [("quiz", "all"), ("seed", "12345"), ("started", "0"), ("name", "Ada <Lovelace>"),
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
    body = {"name": "Bob", "quiz": topic, "answers": {}}
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


def test_shuffled_order_kept(base):
    """The review shows every question's options in the order the quiz page showed them."""
    status, _, page = request(base, "/quiz/all")
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    shown = {}
    for qid, body in re.findall(r'<li class="quiz-question" id="q-([^"]+)">(.*?)</li>\n</ul>',
                                page, re.S):
        shown[qid] = re.findall(r'type="(?:radio|checkbox)" name="a\.[^"]+" id="[^"]+" '
                                r'value="(\d+)"', body)
    form = [("quiz", "all"), ("seed", seed), ("name", "Order")]
    status, headers, _ = request(base, "/quiz/submit", urllib.parse.urlencode(form).encode(),
                                 "application/x-www-form-urlencoded", follow=False)
    status, _, review = request(base, headers["Location"])
    labels = re.findall(r'<li class="is-(?:right|wrong)[^"]*">(?:<span[^>]*>[^<]*</span> )?'
                        r'(?:<span class="mark">right</span>)? (.*?)</li>', review)
    orders = [o for o in shown.values() if len(o) > 2]
    shuffled = sum(1 for o in orders if o != sorted(o))
    check(len(orders) > 10 and shuffled > 0,
          f"the quiz page shuffles options ({shuffled} of {len(orders)} questions)")
    # The review lists the same option texts in the same order as the quiz page's labels.
    page_labels = re.findall(r'<label for="a-[^"]+-\d+">(.*?)</label>', page)
    check(labels == page_labels, "the review keeps the order the quiz page showed")


def test_bad_input(base):
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
    status, _, text = request(base, "/quiz/submit", b"quiz=all&seed=7&name=+++&class=LAB-1",
                              "application/x-www-form-urlencoded")
    check(status == 422 and "give your name" in text and 'id="quiz-form"' in text
          and 'aria-invalid="true" aria-describedby="quiz-name-error"' in text
          and 'name="seed" value="7"' in text and 'value="LAB-1"' in text,
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


def test_kill(binary, data):
    """Submissions from 4 clients; SIGKILL mid-stream; every acknowledged id survives."""
    server = Server(binary, data)
    acknowledged, stop = [], threading.Event()
    lock = threading.Lock()

    def client(k):
        n = 0
        while not stop.is_set():
            try:
                status, result = api_submit(server.base, {"name": f"load {k} {n}", "quiz": "all",
                                                          "answers": {}})
            except (OSError, ValueError, urllib.error.URLError):
                return  # the server is gone
            if status == 201:
                with lock:
                    acknowledged.append(result["report_id"])
            n += 1

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
    server = Server(binary, data)
    missing = [r for r in acknowledged
               if request(server.base, f"/api/report/{r}")[0] != 200]
    check(not missing, f"{len(acknowledged)} acknowledged attempts, {len(missing)} lost after "
                       f"SIGKILL")
    server.stop()


def main():
    global SOURCE
    binary, SOURCE = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as data:
        server = Server(binary, data)
        try:
            test_pages(server.base)
            test_form_and_api(server.base)
            test_shuffled_order_kept(server.base)
            test_bad_input(server.base)
        finally:
            server.stop()
        test_kill(binary, data)
    print(f"{checks[0]} checks, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
