"""The instructor's side over HTTP against a real `fa-learn serve` (issue 15):

- access: every /instructor route refuses without a session (303 to the sign-in page for
  pages, 401 for exports), a wrong token is refused, Origin is checked on sign-in, the
  sign-in rate limit answers 429 with Retry-After;
- the session cookie: HttpOnly, SameSite=Strict, limited to /instructor, expiring, Secure
  when the public URL is https; it survives a restart; sign-out needs the session's CSRF
  token and ends the session;
- the token: generated at the first start and printed once (never again), kept only as a
  hash; `fa-learn admin-token` replaces it and ends every session; --admin-token-file wins
  and a too-short token file is refused at start;
- the dashboard and its exports show the numbers `fa-learn stats` computes from the same
  store (the exports byte for byte); learners' pages never link to /instructor.

Usage: fa-learn python test_instructor.py FA_LEARN_BINARY SOURCE_DIR"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish, until  # noqa: E402
import test_quiz  # noqa: E402  (api_submit, right_answers)
from serving import Server, request  # noqa: E402
from quiz_tokens import sign  # noqa: E402

ROUTES_GET_PAGES = ["/instructor", "/instructor/classes", "/instructor/classes/LAB-1",
                    "/instructor/learner?class=&name=x"]
ROUTES_POST = ["/instructor/logout", "/instructor/classes", "/instructor/classes/LAB-1",
               "/instructor/learner"]
ROUTES_GET_EXPORTS = ["/instructor/attempts.csv", "/instructor/questions.csv",
                      "/instructor/attempts.json"]
TOKEN_LINE = re.compile(r"^\s+([0-9a-f]{64})$", re.M)


def serve(binary, data, *extra, sandbox=False):
    """A server whose standard error (where a generated token is printed) is kept."""
    return Server(binary, data, "--quiet", *([] if sandbox else ["--no-sandbox"]), *extra,
                  must_start=False)


def req(base, path, data=None, cookie=None, origin=True, headers=()):
    """(status, headers, body) without following redirects; form data (a dict) is sent from
    the site's own origin."""
    extra = list(headers)
    if data is not None and origin:
        extra.append(("Origin", base))
    if cookie:
        extra.append(("Cookie", "fa_instructor=" + cookie))
    return request(base, path, urllib.parse.urlencode(data).encode() if data is not None else None,
                   "application/x-www-form-urlencoded" if data is not None else None,
                   follow=False, headers=extra)


def sign_in(base, token):
    status, headers, _ = req(base, "/instructor/login", {"token": token})
    m = re.match(r"fa_instructor=([0-9a-f]{64});", headers.get("Set-Cookie", ""))
    return status, headers, m.group(1) if m else None


def csrf_of(page):
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    return m.group(1) if m else None


def test_refused_without_session(base):
    for path in ROUTES_GET_PAGES:
        status, headers, _ = req(base, path)
        check(status == 303 and headers.get("Location") == "/instructor/login",
              f"GET {path} without a session: 303 to the sign-in page ({status})")
        status, headers, _ = req(base, path, cookie="0" * 64)
        check(status == 303, f"GET {path} with an unknown session: 303 ({status})")
    for path in ROUTES_GET_EXPORTS:
        status, _, body = req(base, path)
        check(status == 401 and "sign in" in body, f"GET {path} without a session: 401")
    for path in ROUTES_POST:
        status, headers, _ = req(base, path, {"csrf": "x", "action": "delete", "confirm": "yes"})
        check(status == 303 and headers.get("Location") == "/instructor/login",
              f"POST {path} without a session: 303 to the sign-in page ({status})")
    status, _, page = req(base, "/instructor/login")
    check(status == 200 and 'name="token"' in page and 'type="password"' in page,
          "the sign-in page has a password field")
    for path in ("/", "/wiki", "/quiz", "/sandbox", "/quiz/all"):
        _, _, page = req(base, path)
        check("/instructor" not in page, f"{path} does not link the instructor's pages")


def test_sign_in(base, token):
    status, _, page = req(base, "/instructor/login", {"token": "a" * 64})
    check(status == 403 and "not the instructor token" in page and 'name="token"' in page,
          f"a wrong token: 403 and the form again ({status})")
    status, _, _ = req(base, "/instructor/login", {"token": token}, origin=False,
                       headers=[("Origin", "http://evil.example")])
    check(status == 403, f"sign-in from another origin: 403 ({status})")
    status, headers, cookie = sign_in(base, token)
    attrs = headers.get("Set-Cookie", "")
    check(status == 303 and headers.get("Location") == "/instructor" and cookie,
          f"the right token: 303 to the dashboard with a cookie ({status})")
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/instructor", "Max-Age=28800"):
        check(attr in attrs, f"the cookie is {attr} ({attrs})")
    check("Secure" not in attrs, "no Secure over plain http")
    status, headers, _ = req(base, "/instructor/login", cookie=cookie)
    check(status == 303 and headers.get("Location") == "/instructor",
          "the sign-in page sends a signed-in instructor to the dashboard")
    return cookie


def make_class(base, data):
    questions, right = test_quiz.right_answers(base, "all", 99)
    topic = questions[0]["topic"]
    for k, (name, code) in enumerate([("Ada <b>", "LAB-1"), ("Bob", "LAB-1"), ("Cy", "LAB-2"),
                                      ("Di", "")]):
        answers = {}
        for j, q in enumerate([q for q in questions if q["topic"] == topic]):
            if (j + k) % 3:
                answers[q["id"]] = right[q["id"]]
        body = {"name": name, "quiz": topic, "answers": answers, "attempt": sign(data, topic, 99)}
        if code:
            body["class"] = code
        status, _ = test_quiz.api_submit(base, body)
        check(status == 201, f"attempt of {name} stored ({status})")
    return topic


def stats(binary, data, *args):
    p = subprocess.run([binary, "stats", "--data", data, "--quiz-dir",
                        os.path.join(test_quiz.SOURCE, "quiz"), *args],
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode()


def test_dashboard(binary, data, base, cookie, topic):
    status, _, page = req(base, "/instructor", cookie=cookie)
    check(status == 200, f"the dashboard answers ({status})")
    check("Ada &lt;b&gt;" in page and "Ada <b>" not in page, "names are escaped")
    check('<option value="LAB-1">' in page and '<option value="LAB-2">' in page,
          "the filter lists the classes")
    _, out = stats(binary, data, "--json")
    doc = json.loads(out)
    s = doc["summary"]
    check(f"{s['attempts']} attempts; mean {s['mean']:.1f}%, median {s['median']:.1f}%" in page,
          "the dashboard's summary is fa-learn stats'")
    check('role="img"' in page and "<desc" in page, "the distribution is an accessible chart")
    for q in doc["questions"]:
        if q["given"]:
            check(q["question"] in page, f"question {q['question']} is listed")
    status, _, page = req(base, "/instructor?class=LAB-1&quiz=" + topic, cookie=cookie)
    check(status == 200 and "2 attempts" in page and "Cy" not in page,
          "the filter keeps one class")
    for path, args in (("/instructor/attempts.csv", ["--csv"]),
                       ("/instructor/questions.csv", ["--csv", "--questions"]),
                       ("/instructor/attempts.json", ["--json"])):
        for query, filt in (("", []), ("?class=LAB-1&quiz=" + topic,
                                       ["--class", "LAB-1", "--quiz", topic]),
                            ("?class=&quiz=*", ["--class", ""])):
            status, headers, body = req(base, path + query, cookie=cookie)
            _, want = stats(binary, data, *args, *filt)
            check(status == 200 and body == want,
                  f"{path}{query} equals fa-learn stats {' '.join(args + filt)}")
        check(("csv" in path) == headers.get("Content-Type", "").startswith("text/csv"),
              f"{path} has its media type ({headers.get('Content-Type')})")


def test_sign_out(base, cookie):
    _, _, page = req(base, "/instructor", cookie=cookie)
    csrf = csrf_of(page)
    check(csrf is not None, "the dashboard carries the session's CSRF token")
    status, _, _ = req(base, "/instructor/logout", {"csrf": "0" * 64}, cookie=cookie)
    check(status == 403, f"sign-out with a wrong CSRF token: 403 ({status})")
    status, _, _ = req(base, "/instructor/logout", {}, cookie=cookie)
    check(status == 403, f"sign-out without a CSRF token: 403 ({status})")
    status, _, _ = req(base, "/instructor", cookie=cookie)
    check(status == 200, "the session lives on after refused sign-outs")
    status, headers, _ = req(base, "/instructor/logout", {"csrf": csrf}, cookie=cookie)
    check(status == 303 and "Max-Age=0" in headers.get("Set-Cookie", ""),
          f"sign-out: 303 and the cookie cleared ({status})")
    status, _, _ = req(base, "/instructor", cookie=cookie)
    check(status == 303, "the session is over")


def test_classes(binary, data, base, cookie):
    _, _, page = req(base, "/instructor/classes", cookie=cookie)
    csrf = csrf_of(page)
    status, _, _ = req(base, "/instructor/classes", {"action": "create", "name": "x"},
                       cookie=cookie)
    check(status == 403, f"creating a class without the CSRF token: 403 ({status})")
    status, headers, _ = req(base, "/instructor/classes",
                             {"csrf": csrf, "action": "create", "name": "Lab <1>",
                              "code": "LAB-1"}, cookie=cookie)
    check(status == 303 and headers.get("Location") == "/instructor/classes/LAB-1",
          f"a class is created ({status} {headers.get('Location')})")
    status, _, page = req(base, "/instructor/classes",
                          {"csrf": csrf, "action": "create", "name": "Again", "code": "LAB-1"},
                          cookie=cookie)
    check(status == 422 and "exists already" in page, f"a taken code: 422 ({status})")
    status, headers, _ = req(base, "/instructor/classes",
                             {"csrf": csrf, "action": "create", "name": "Made up"},
                             cookie=cookie)
    made = headers.get("Location", "").rsplit("/", 1)[-1]
    check(status == 303 and re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", made),
          f"an empty code gets a generated one ({made})")
    _, _, page = req(base, "/instructor/classes", cookie=cookie)
    check("Lab &lt;1&gt;" in page and ">LAB-1<" in page and made in page,
          "the list shows both classes, escaped")

    settings = {"csrf": csrf, "action": "save", "name": "Lab one", "open": "1",
                "opens": "2026-01-01T08:00", "closes": "2030-01-01T08:00",
                "max_attempts": "2", "reveal": "1", "time_limit_min": "30", "pool_size": "3"}
    status, _, _ = req(base, "/instructor/classes/LAB-1", settings, cookie=cookie)
    check(status == 303, f"settings saved ({status})")
    _, _, page = req(base, "/instructor/classes/LAB-1", cookie=cookie)
    check('value="2026-01-01T08:00"' in page and 'value="30"' in page and
          '<option value="1" selected>' in page, "the settings read back")
    bad = dict(settings, closes="2025-01-01T08:00", name="Typed name")
    status, _, page = req(base, "/instructor/classes/LAB-1", bad, cookie=cookie)
    check(status == 422 and "close after it opens" in page and 'value="Typed name"' in page,
          f"bad settings: 422, the reason and what was typed ({status})")
    status, _, page = req(base, "/join/LAB-1")
    check(status == 200 and "Lab one" in page and "2 attempts per quiz" in page
          and "30 minutes per attempt" in page and 'data-class="LAB-1"' in page
          and "/instructor" not in page, f"the join page shows the settings ({status})")
    check(req(base, "/join/NOPE")[0] == 404, "an unknown join code: 404")
    check(req(base, "/join/bad*code")[0] == 404, "a malformed join code: 404")

    # A learner's page and deleting their attempts (asked first).
    _, out = stats(binary, data, "--json", "--class", "LAB-1")
    before = json.loads(out)["attempts"]
    _, _, page = req(base, "/instructor/learner?class=LAB-1&name=Bob", cookie=cookie)
    check(page.count("/report/") == sum(a["learner"] == "Bob" for a in before),
          "the learner's page lists their attempts")
    form = {"csrf": csrf, "class": "LAB-1", "name": "Bob"}
    status, _, page = req(base, "/instructor/learner", form, cookie=cookie)
    check(status == 200 and "Are you sure" in page and 'name="confirm" value="yes"' in page,
          "deleting a learner's attempts asks first")
    _, out = stats(binary, data, "--json", "--class", "LAB-1")
    check(len(json.loads(out)["attempts"]) == len(before), "nothing deleted before confirming")
    status, _, _ = req(base, "/instructor/learner", dict(form, confirm="yes"), cookie=cookie)
    _, out = stats(binary, data, "--json", "--class", "LAB-1")
    after = json.loads(out)["attempts"]
    check(status == 303 and after and all(a["learner"] != "Bob" for a in after),
          "confirmed: the learner's attempts are gone, the others stay")

    # Retention: attempts older than the setting go when it is saved (and every hour).
    import sqlite3
    db = sqlite3.connect(os.path.join(data, "fa-learn.db"), timeout=10)
    with db:
        db.execute("UPDATE attempts SET submitted_ms = 1000 WHERE learner = 'Cy'")
    db.close()
    status, _, _ = req(base, "/instructor/classes", {"csrf": csrf, "action": "retention",
                                                     "days": "30"}, cookie=cookie)
    _, out = stats(binary, data, "--json")
    left = json.loads(out)["attempts"]
    check(status == 303 and left and all(a["learner"] != "Cy" for a in left),
          "retention deletes the old attempts only")
    status, _, page = req(base, "/instructor/classes", {"csrf": csrf, "action": "retention",
                                                        "days": "-4"}, cookie=cookie)
    check(status == 422 and "3650" in page, "a bad retention: 422 with the range")

    # Deleting a class takes its attempts (asked first).
    form = {"csrf": csrf, "action": "delete"}
    status, _, page = req(base, "/instructor/classes/LAB-1", form, cookie=cookie)
    check(status == 200 and "Are you sure" in page, "deleting a class asks first")
    status, _, _ = req(base, "/instructor/classes/LAB-1", dict(form, confirm="yes"),
                       cookie=cookie)
    _, out = stats(binary, data, "--json", "--class", "LAB-1")
    check(status == 303 and json.loads(out)["attempts"] == [] and
          req(base, "/instructor/classes/LAB-1", cookie=cookie)[0] == 404,
          "confirmed: the class and its attempts are gone")


def test_settings(data, base, cookie):
    """A class's quiz settings applied to submissions and results."""
    import time
    _, _, page = req(base, "/instructor/classes", cookie=cookie)
    csrf = csrf_of(page)
    questions, right = test_quiz.right_answers(base, "all", 5)
    topic = questions[0]["topic"]
    answers = {q["id"]: right[q["id"]] for q in questions if q["topic"] == topic}

    def configure(code, **settings):
        req(base, "/instructor/classes", {"csrf": csrf, "action": "create", "name": code,
                                          "code": code}, cookie=cookie)
        form = {"csrf": csrf, "action": "save", "name": code, "open": "1", "max_attempts": "0",
                "reveal": "0", "time_limit_min": "0", "pool_size": "0"}
        form.update(settings)
        form = {k: v for k, v in form.items() if v is not None}
        status, _, _ = req(base, "/instructor/classes/" + code, form, cookie=cookie)
        check(status == 303, f"settings of {code} saved ({status})")

    def submit(code, name="Lea", started_ms=None):
        return test_quiz.api_submit(base, {"name": name, "class": code, "quiz": topic,
                                           "answers": answers,
                                           "attempt": sign(data, topic, 5, started_ms)})

    configure("ONCE", max_attempts="1", reveal="2")
    status, result = submit("ONCE")
    check(status == 201 and "held" in result and "results" not in result
          and "report_text" not in result and result["percent"] == 100,
          f"score only: the API gives the score, no answers ({status}: {sorted(result)})")
    _, _, page = req(base, "/report/" + result.get("report_id", "x"))
    check("scores only" in page and 'id="report-text"' not in page and "100%" in page,
          "score only: the result page holds the answers back")
    _, _, text = req(base, "/api/report/" + result.get("report_id", "x"))
    check('"held"' in text and '"right_answer"' not in text, "and so does /api/report")
    status, result = submit("ONCE")
    check(status == 403 and "1 attempt ONCE allows" in result.get("error", ""),
          f"the attempt limit: 403 ({status}: {result})")
    status, _ = submit("ONCE", name="Other learner")
    check(status == 201, "the limit is per learner")

    configure("SHUT", open=None)
    status, result = submit("SHUT")
    check(status == 403 and "is closed" in result.get("error", ""), f"a closed class: 403 ({status})")
    form = [("quiz", topic), ("attempt", sign(data, topic, 5)), ("name", "Lea"), ("class", "SHUT")]
    form += [("a." + k, str(v[0]) if isinstance(v, list) else v) for k, v in answers.items()]
    status, _, page = request(base, "/quiz/submit", urllib.parse.urlencode(form).encode(),
                                        "application/x-www-form-urlencoded")
    chosen = sum(isinstance(v, list) for v in answers.values())  # one option each, as sent
    check(status == 422 and "is closed" in page and 'value="SHUT"' in page
          and page.count(" checked") == chosen,
          f"the form: 422, the reason by the class code, the answers kept ({status})")

    configure("LATER", opens="2099-01-01T08:00")
    status, result = submit("LATER")
    check(status == 403 and "open at 2099-01-01 08:00 UTC" in result.get("error", ""),
          f"before the quiz opens: 403 ({status}: {result})")
    configure("OVER", opens="2020-01-01T08:00", closes="2021-01-01T08:00", reveal="1")
    status, result = submit("OVER")
    check(status == 403 and "closed at 2021-01-01 08:00 UTC" in result.get("error", ""),
          f"after the quiz closes: 403 ({status}: {result})")

    configure("TIMED", time_limit_min="30", reveal="1", closes="2099-01-01T08:00")
    long_ago = int(time.time() * 1000) - 2 * 3600 * 1000
    status, result = submit("TIMED", started_ms=long_ago)
    check(status == 403 and "longer than the 30 minutes" in result.get("error", ""),
          f"past the time limit: 403 ({status}: {result})")
    status, result = submit("TIMED")
    check(status == 201 and "held" in result and "2099-01-01 08:00 UTC" in result["held"],
          f"in time; answers held until the quiz closes ({status})")
    status, result = submit("NOSUCH")
    check(status == 201 and "results" in result, "a code no class has: no rules, everything shown")

    # Pools: each attempt draws two questions per topic; the page, the API and the marking
    # agree, and the page states the rules before the learner starts.
    configure("POOL", pool_size="2", max_attempts="3")
    in_topic = sum(q["topic"] == topic for q in questions)
    _, _, page = req(base, f"/quiz/{topic}?class=POOL")
    check(page.count('class="quiz-question"') == 2 and 'id="quiz-class-rules"' in page
          and "2 questions per topic drawn for each attempt" in page
          and "3 attempts per quiz" in page and 'value="POOL"' in page,
          f"the quiz page of a pooled class shows 2 of {in_topic} questions and the rules")
    _, _, page = req(base, "/quiz/all?class=POOL")
    topics = len({q["topic"] for q in questions})
    check(page.count('class="quiz-question"') == 2 * topics, "the full quiz: two per topic")
    _, _, text = req(base, f"/api/quiz?topic={topic}&class=POOL")
    check(len(json.loads(text)["questions"]) == 2, "the API draws the same way")
    status, result = submit("POOL")
    check(status == 201 and len(result.get("results", [])) == 2 and result["percent"] == 100,
          f"only the drawn questions are marked ({status}: {len(result.get('results', []))})")
    _, _, page = req(base, f"/quiz/{topic}")
    check(page.count('class="quiz-question"') == in_topic and "quiz-class-rules" not in page,
          "without a class: every question, no rules")


def run(base, code, klass=None):
    body = {"code": code}
    if klass is not None:
        body["class"] = klass
    status, _, text = request(base, "/api/run", json.dumps(body).encode(), "application/json",
                              headers=[("Origin", base)])
    return status, json.loads(text or "{}")


def test_runs(binary):
    """What a class ran into in the sandbox: runs recorded with the class the page sent, the
    code only for a class that keeps snippets, summarised on the dashboard."""
    with tempfile.TemporaryDirectory() as data:
        server = serve(binary, data, sandbox=True)
        try:
            base = server.base
            token = TOKEN_LINE.findall(server.log())[0]
            _, _, cookie = sign_in(base, token)
            _, _, page = req(base, "/instructor/classes", cookie=cookie)
            csrf = csrf_of(page)
            for code, keep in (("KEEP", "2"), ("NOKEEP", "0")):
                req(base, "/instructor/classes", {"csrf": csrf, "action": "create", "name": code,
                                                  "code": code}, cookie=cookie)
                req(base, "/instructor/classes/" + code,
                    {"csrf": csrf, "action": "save", "name": code, "open": "1",
                     "keep_snippets_days": keep, "max_attempts": "0", "reveal": "0"},
                    cookie=cookie)
            denied = "import subprocess\nsubprocess.run(['true'])\n"
            for klass in ("KEEP", "NOKEEP", "NOKEEP", None):
                status, result = run(base, denied, klass)
                check(status == 200 and result.get("status") == "denied",
                      f"a denied run for {klass} ({status} {result.get('status')})")
            status, result = run(base, "print(1)", "NOKEEP")
            check(status == 200 and result.get("status") == "ok", "an ordinary run")
            status, result = run(base, "print(1)", "bad code!")
            check(status == 400 and "class" in result.get("error", ""),
                  f"a malformed class code: 400 ({status})")
            import sqlite3

            def recorded():
                """The runs in the store (a summary is stored just after its answer)."""
                db = sqlite3.connect(os.path.join(data, "fa-learn.db"), timeout=10)
                found = db.execute("SELECT class_code, status, denied_event, denied_class, "
                                   "snippet IS NOT NULL FROM runs ORDER BY id").fetchall()
                db.close()
                return found

            rows = until(lambda: len(found := recorded()) >= 5 and found, "five runs recorded")
            check(rows == [("KEEP", "denied", "subprocess.Popen", "default-deny", 1),
                           ("NOKEEP", "denied", "subprocess.Popen", "default-deny", 0),
                           ("NOKEEP", "denied", "subprocess.Popen", "default-deny", 0),
                           ("", "denied", "subprocess.Popen", "default-deny", 0),
                           ("NOKEEP", "ok", "", "", 0)],
                  f"the runs as recorded: {rows}")
            _, _, page = req(base, "/instructor?class=NOKEEP", cookie=cookie)
            check("Runs in the last 14 days: 3" in page and "denied 2" in page
                  and "<code>subprocess.Popen</code>" in page
                  and 'href="/wiki/default-deny-events"' in page,
                  "the dashboard shows what the class ran into, with the wiki's section")
            _, _, page = req(base, "/join/KEEP")
            check("kept for your instructor for 2 days" in page,
                  "the join page tells learners their code is kept")
        finally:
            server.stop()


def test_rate_limit(base):
    statuses = [req(base, "/instructor/login", {"token": "b" * 64})[0] for _ in range(12)]
    check(403 in statuses and statuses[-1] == 429,
          f"sign-in attempts past the limit: 429 ({statuses})")
    status, headers, _ = req(base, "/instructor/login", {"token": "b" * 64})
    check(status == 429 and int(headers.get("Retry-After", "0")) > 0, "with Retry-After")


def main():
    binary, test_quiz.SOURCE = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as data:
        server = serve(binary, data)
        tokens = []
        try:
            tokens = TOKEN_LINE.findall(server.log())
            check(len(tokens) == 1, f"the first start prints one token ({len(tokens)})")
            token = tokens[0] if tokens else ""
            test_refused_without_session(server.base)
            cookie = test_sign_in(server.base, token)
            topic = make_class(server.base, data)
            test_dashboard(binary, data, server.base, cookie, topic)
            test_classes(binary, data, server.base, cookie)
            test_settings(data, server.base, cookie)
        finally:
            server.stop()
        db = open(os.path.join(data, "fa-learn.db"), "rb").read()
        check(token.encode() not in db and cookie.encode() not in db,
              "the store holds neither the token nor the cookie")

        # A restart: the token is not printed again; the session lives on.
        server = serve(binary, data)
        try:
            check(not TOKEN_LINE.search(server.log()), "a restart prints no token")
            status, _, _ = req(server.base, "/instructor", cookie=cookie)
            check(status == 200, f"the session survives a restart ({status})")
            test_sign_out(server.base, cookie)
            _, _, cookie = sign_in(server.base, token)
            # A new token: the old one and every session stop working.
            p = subprocess.run([binary, "admin-token", "--data", data], capture_output=True,
                               text=True, timeout=60)
            new = p.stdout.strip()
            check(p.returncode == 0 and re.fullmatch(r"[0-9a-f]{64}", new) and new != token,
                  f"fa-learn admin-token prints a new token ({p.returncode}: {p.stderr})")
        finally:
            server.stop()
        server = serve(binary, data)
        try:
            check(req(server.base, "/instructor", cookie=cookie)[0] == 303,
                  "a new token ends the sessions")
            check(sign_in(server.base, token)[0] == 403, "the old token is refused")
            check(sign_in(server.base, new)[0] == 303, "the new token signs in")
            test_rate_limit(server.base)
        finally:
            server.stop()

    # A token file wins; nothing is generated; a short file is refused at start.
    with tempfile.TemporaryDirectory() as data:
        path = os.path.join(data, "token")
        with open(path, "w") as f:
            f.write("  correct-horse-battery-staple\n")
        server = serve(binary, data, "--admin-token-file", path,
                        "--public-url", "https://course.example")
        try:
            check(not TOKEN_LINE.search(server.log()), "with a token file nothing is printed")
            status, headers, _ = req(server.base, "/instructor/login",
                                     {"token": "correct-horse-battery-staple"}, origin=False,
                                     headers=[("Host", "course.example"),
                                              ("Origin", "https://course.example")])
            check(status == 303 and "Secure" in headers.get("Set-Cookie", ""),
                  f"the file's token signs in; Secure under an https public URL ({status})")
        finally:
            server.stop()
        with open(path, "w") as f:
            f.write("short\n")
        server = serve(binary, data, "--admin-token-file", path)
        code = server.proc.wait(timeout=30)
        check(server.base is None and code != 0 and "16 to 256" in server.log(),
              f"a too-short token file is refused at start ({code})")
        server.stop()
    test_runs(binary)
    finish("integration.instructor")


if __name__ == "__main__":
    main()
