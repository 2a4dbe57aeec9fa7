#!/usr/bin/env bash
# instructor.sh: the instructor's dashboard and exports for a class of 300 learners with
# 3,000 attempts (issue 15's target: the dashboard in under 50 ms on the server). The
# attempts go in through the quiz API; then each page is fetched REPEAT times over loopback
# and the median and slowest times are printed (loopback adds well under a millisecond).
# Environment: BUILD (default build), REPEAT (default 20), LEARNERS (300), ATTEMPTS (3000).
set -euo pipefail
source "$(dirname "$0")/serve.sh"
repeat=${REPEAT:-20}
learners=${LEARNERS:-300}
attempts=${ATTEMPTS:-3000}

token=bench-instructor-token-0123456789
printf '%s\n' "$token" >"$tmp/token"
FA_LEARN_QUIZ_RATE=0 bench_serve --no-sandbox --admin-token-file "$tmp/token"

# The class: learner k answers question j rightly or not by a fixed pattern, across the full
# quiz and every topic's, so that scores, facility and discrimination all vary.
"$bin" python - "$url" "$learners" "$attempts" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
url, learners, attempts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
quizzes = {}
full = json.load(urllib.request.urlopen(url + "/api/quiz"))
topics = sorted({q["topic"] for q in full["questions"]})
for name in ["all"] + topics:
    quizzes[name] = json.load(urllib.request.urlopen(
        url + "/api/quiz" + ("" if name == "all" else "?topic=" + name)))
names = ["all"] + topics
def submit(i):
    k, quiz = i % learners, names[i % len(names)]
    data = quizzes[quiz]
    answers = {}
    for j, q in enumerate(data["questions"]):
        if (j * (k % 7 + 1) + i) % 5 == 0:
            continue
        answers[q["id"]] = "open" if q["type"] == "short" else \
            [q["options"][(j + k) % len(q["options"])]["value"]]
    body = {"name": f"Learner {k:03d}", "class": "BIG", "quiz": quiz, "answers": answers}
    if "attempt" in data:
        body["attempt"] = data["attempt"]
    req = urllib.request.Request(url + "/api/quiz/submit", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    return urllib.request.urlopen(req).status
with ThreadPoolExecutor(8) as pool:
    statuses = list(pool.map(submit, range(attempts)))
bad = [s for s in statuses if s != 201]
print(f"{len(statuses) - len(bad)} attempts stored by {learners} learners", flush=True)
sys.exit(1 if bad else 0)
PY

cookie=$(curl -s -D - -o /dev/null -H "Origin: $url" --data-urlencode "token=$token" \
    "$url/instructor/login" | sed -nE 's/^Set-Cookie: fa_instructor=([0-9a-f]+);.*/\1/p')
[[ -n $cookie ]] || { echo "bench: could not sign in"; exit 1; }
echo "Instructor pages, $(nproc) cores, fa-learn $("$bin" --version | cut -d' ' -f2), median and slowest of $repeat"
for page in "/instructor?class=BIG" "/instructor/attempts.csv?class=BIG" \
            "/instructor/questions.csv?class=BIG" "/instructor/attempts.json?class=BIG"; do
    for _ in $(seq "$repeat"); do
        curl -s -o /dev/null -b "fa_instructor=$cookie" -w '%{http_code} %{time_total}\n' "$url$page"
    done | "$bin" python -c '
import statistics, sys
rows = [line.split() for line in sys.stdin]
bad = [r for r in rows if r[0] != "200"]
times = sorted(float(r[1]) * 1000 for r in rows)
print(f"  {sys.argv[1]:40s} median {statistics.median(times):6.1f} ms  slowest {times[-1]:6.1f} ms"
      + (f"  ({len(bad)} not 200)" if bad else ""))
sys.exit(1 if bad else 0)
' "$page"
done
