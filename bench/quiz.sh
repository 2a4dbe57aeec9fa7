#!/usr/bin/env bash
# quiz.sh: sustained quiz submissions over HTTP (POST /api/quiz/submit, the full quiz answered,
# each one a committed SQLite transaction in the store's default durability: WAL,
# synchronous=NORMAL), their p50/p99 latency, and in the same run the rate of a cached wiki
# page from the same server. Afterwards the attempts in the store are counted against the
# submissions wrk saw acknowledged (201): nothing acknowledged may be missing.
# Target: >= 2,000 submissions/s on 2 cores. Environment: BUILD (default build),
# DURATION (default 5s), CONNECTIONS (default 16), THREADS (default: CPU count).
set -euo pipefail
source "$(dirname "$0")/serve.sh"
duration=${DURATION:-5s}
connections=${CONNECTIONS:-16}
threads=${THREADS:-$(nproc)}
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/setup.sh installs it)"; exit 1; }

# wrk is one client sending thousands of submissions: no per-client rate limit here (older
# builds ignore the variable).
FA_LEARN_QUIZ_RATE=0 bench_serve --no-sandbox ${SERVE_FLAGS:-}

# A submission of the whole quiz: the first option of every question, text for short ones.
curl -sf "$url/api/quiz" | "$bin" python -c '
import json, sys
quiz = json.load(sys.stdin)
answers = {q["id"]: ("open" if q["type"] == "short" else [q["options"][0]["value"]])
           for q in quiz["questions"]}
print(json.dumps({"name": "Bench Learner", "class": "BENCH", "quiz": "all", "answers": answers,
                  "attempt": quiz["attempt"]}))
' >"$tmp/body.json"
cat >"$tmp/submit.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$tmp/body.json")
wrk.body = f:read("*a")
f:close()
function done(summary, latency, requests)
    io.stderr:write(string.format("acknowledged %d\n", summary.requests - summary.errors.status))
    io.stderr:write(string.format("p50 %.2f p99 %.2f\n", latency:percentile(50) / 1000,
                                  latency:percentile(99) / 1000))
end
LUA
questions=$("$bin" python -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["answers"]))' "$tmp/body.json")
echo "Quiz submissions, $(nproc) cores, fa-learn $("$bin" --version | cut -d' ' -f2), $questions answers each"
[[ -n ${PROFILE_CMD:-} ]] && (sleep 1; $PROFILE_CMD) &
wrk -t"$threads" -c"$connections" -d"$duration" -s "$tmp/submit.lua" "$url/api/quiz/submit" \
    >"$tmp/wrk-submit" 2>"$tmp/wrk-submit.err"
wrk -t"$threads" -c32 -d"$duration" "$url/wiki/big-picture" >"$tmp/wrk-wiki"
rate=$(sed -nE 's/^Requests\/sec: +([0-9.]+)/\1/p' "$tmp/wrk-submit")
wiki=$(sed -nE 's/^Requests\/sec: +([0-9.]+)/\1/p' "$tmp/wrk-wiki")
acked=$(sed -nE 's/^acknowledged ([0-9]+)/\1/p' "$tmp/wrk-submit.err")
read -r p50 p99 < <(sed -nE 's/^p50 ([0-9.]+) p99 ([0-9.]+)/\1 \2/p' "$tmp/wrk-submit.err")
stored=$({ curl -sf "$url/metrics" || true; } | sed -nE 's/^fa_learn_quiz_attempts_stored ([0-9]+)$/\1/p')
[[ -n $stored ]] || stored=$(curl -sf "$url/healthz" | sed -nE 's/.*"attempts":([0-9]+).*/\1/p')
printf 'submissions: %8.0f /s  p50 %s ms  p99 %s ms  (target >= 2000/s)\n' "$rate" "$p50" "$p99"
printf 'wiki page, same server, same run: %8.0f req/s\n' "$wiki"
echo "acknowledged (201): $acked, stored: $stored"
[[ -n $stored && $stored -ge $acked ]] || { echo "bench: acknowledged submissions are missing"; exit 1; }
