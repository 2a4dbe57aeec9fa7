#!/usr/bin/env bash
# wiki.sh: cached wiki pages, fa-learn against nginx, in one run on this machine.
# Both serve the identical rendered page (fetched from fa-learn) with the same response
# headers, on loopback, with access logs off, the same number of worker threads/processes,
# and the same wrk settings. Prints both req/s and the ratio (target: fa-learn >= 1.2x).
# Environment: BUILD (default build), DURATION (default 10s), CONNECTIONS (default 32),
# THREADS (default: CPU count).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-build}
[[ $build = /* ]] || build=$src/$build
bin=$build/server/fa-learn
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-$(nproc)}
page=/wiki/big-picture

for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
tmp=$(mktemp -d)
fa_pid=
nginx_started=
cleanup() {
    [[ -n $fa_pid ]] && kill "$fa_pid" 2>/dev/null && wait "$fa_pid" 2>/dev/null
    [[ -n $nginx_started ]] && nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -s stop 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" serve --port 0 --threads "$threads" --data "$tmp/data" --quiet >"$tmp/fa.out" 2>"$tmp/fa.err" &
fa_pid=$!
for _ in $(seq 100); do [[ -s $tmp/fa.out ]] && break; sleep 0.1; done
fa_url=$(sed -nE 's|^fa-learn: serving (http://[^ ]+)/$|\1|p' "$tmp/fa.out")
[[ -n $fa_url ]] || { echo "bench: fa-learn did not start"; cat "$tmp/fa.err"; exit 1; }

# The identical page for nginx, and fa-learn's headers so both send the same bytes.
mkdir -p "$tmp/nginx/root/wiki" "$tmp/nginx/logs"
curl -sf -D "$tmp/headers" -o "$tmp/nginx/root/wiki/big-picture.html" "$fa_url$page"
header() { sed -nE "s/^$1: (.*)\r$/\1/Ip" "$tmp/headers"; }
csp=$(header Content-Security-Policy)
port=$((20000 + RANDOM % 30000))
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $threads;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    types { text/html html; }
    charset utf-8;
    server {
        listen 127.0.0.1:$port;
        root $tmp/nginx/root;
        location = $page {
            default_type "text/html";
            try_files $page.html =404;
            add_header Cache-Control "no-cache";
            add_header Content-Security-Policy "$csp";
            add_header X-Content-Type-Options "nosniff";
            add_header Referrer-Policy "same-origin";
            add_header X-Frame-Options "DENY";
            add_header Cross-Origin-Opener-Policy "same-origin";
        }
    }
}
CONF
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
nginx_started=1
sleep 0.3
cmp -s <(curl -sf "http://127.0.0.1:$port$page") "$tmp/nginx/root/wiki/big-picture.html" ||
    { echo "bench: nginx does not serve the same page"; exit 1; }

run_wrk() { # url -> requests/s
    wrk -t2 -c"$connections" -d"$duration" --latency "$1" | awk '/^Requests\/sec:/ {print $2}'
}
bytes=$(stat -c %s "$tmp/nginx/root/wiki/big-picture.html")
echo "Cached wiki page $page ($bytes bytes), wrk -t2 -c$connections -d$duration, $threads server threads/workers"
wrk -t2 -c8 -d2s "$fa_url$page" >/dev/null  # warm-up
wrk -t2 -c8 -d2s "http://127.0.0.1:$port$page" >/dev/null
fa=$(run_wrk "$fa_url$page")
ng=$(run_wrk "http://127.0.0.1:$port$page")
awk -v fa="$fa" -v ng="$ng" 'BEGIN {
    printf "  nginx:    %10.0f req/s\n  fa-learn: %10.0f req/s\n", ng, fa
    printf "  ratio:    %10.2fx nginx (target >= 1.20x)\n", fa / ng }'
