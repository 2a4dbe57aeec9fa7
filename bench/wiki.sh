#!/usr/bin/env bash
# wiki.sh: cached wiki pages, fa-learn against nginx, in one run on this machine.
# Both serve the identical rendered page (fetched from fa-learn) with the same response
# headers, on loopback, with the same number of worker threads/processes and the same wrk
# settings; once with access logs off on both sides, once with both logging every request
# (fa-learn to stderr, nginx to a file, both sent to /dev/null). Rounds alternate between the
# servers and the medians are reported, so a burst of other work on the machine hits both.
# Target: fa-learn >= 1.2x nginx's requests per second.
# Environment: BUILD (default build), DURATION (default 5s), ROUNDS (default 3),
# CONNECTIONS (default 32), THREADS (default: CPU count).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-build}
[[ $build = /* ]] || build=$src/$build
bin=$build/server/fa-learn
duration=${DURATION:-5s}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-32}
threads=${THREADS:-$(nproc)}
page=/wiki/big-picture

for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
. "$src/scripts/serve-url.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp" # nginx workers run as an unprivileged user and must read the page
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for conf in "$tmp"/nginx-*.conf; do
        [[ -f $conf ]] && nginx -p "$tmp" -c "$conf" -s stop 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# Not in a command substitution: pids must be recorded in this shell for the cleanup.
start_fa() { # variable name, extra flags...: sets the variable to the base URL
    local name=$1
    shift
    serve_url "$tmp" "$name" "$bin" serve --port 0 --threads "$threads" --data "$tmp/data" \
        --no-sandbox "$@" 2>/dev/null
    pids+=("$server_pid")
}

start_fa fa_quiet --quiet
start_fa fa_logging
[[ -n $fa_quiet && -n $fa_logging ]] || { echo "bench: fa-learn did not start"; exit 1; }

# The identical page for nginx, and fa-learn's headers so both send the same bytes.
mkdir -p "$tmp/root/wiki" "$tmp/logs"
curl -sf -D "$tmp/headers" -o "$tmp/root/wiki/big-picture.html" "$fa_quiet$page"
csp=$(sed -nE 's/^Content-Security-Policy: (.*)\r$/\1/Ip' "$tmp/headers")

start_nginx() { # name, access_log value; prints the base URL
    local name=$1 access_log=$2 port=$((20000 + RANDOM % 30000))
    cat >"$tmp/nginx-$name.conf" <<CONF
worker_processes $threads;
pid $tmp/nginx-$name.pid;
error_log $tmp/logs/error-$name.log;
events { worker_connections 1024; }
http {
    access_log $access_log;
    keepalive_requests 1000000;
    # nginx at its best for a static page: sendfile, and file metadata cached.
    sendfile on;
    tcp_nopush on;
    open_file_cache max=100 inactive=60s;
    open_file_cache_valid 60s;
    charset utf-8;
    server {
        listen 127.0.0.1:$port;
        root $tmp/root;
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
    nginx -p "$tmp" -c "$tmp/nginx-$name.conf"
    sleep 0.3
    echo "http://127.0.0.1:$port"
}
ng_quiet=$(start_nginx quiet off)
ng_logging=$(start_nginx logging /dev/null)
for base in "$ng_quiet" "$ng_logging" "$fa_logging"; do
    cmp -s <(curl -sf "$base$page") "$tmp/root/wiki/big-picture.html" ||
        { echo "bench: $base does not serve the identical page"; exit 1; }
done

run_wrk() { # url -> requests/s
    wrk -t2 -c"$connections" -d"$duration" "$1" | awk '/^Requests\/sec:/ {print $2}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

bytes=$(stat -c %s "$tmp/root/wiki/big-picture.html")
echo "Cached wiki page $page ($bytes bytes): wrk -t2 -c$connections -d$duration, $threads server" \
     "threads/workers, median of $rounds alternating rounds"
for url in "$fa_quiet" "$ng_quiet"; do wrk -t2 -c8 -d1s "$url$page" >/dev/null; done # warm-up
declare -A runs
for ((r = 1; r <= rounds; r++)); do
    for name in fa_quiet ng_quiet fa_logging ng_logging; do
        runs[$name]+=" $(run_wrk "${!name}$page")"
    done
done
report() { # label, fa runs, nginx runs
    local fa ng
    fa=$(median $2)
    ng=$(median $3)
    awk -v label="$1" -v fa="$fa" -v ng="$ng" -v fr="$2" -v nr="$3" 'BEGIN {
        printf "  %-15s nginx %8.0f req/s, fa-learn %8.0f req/s: %5.2fx nginx\n", label, ng, fa, fa / ng
        printf "  %-15s (rounds: nginx%s; fa-learn%s)\n", "", nr, fr }'
}
report "access log off" "${runs[fa_quiet]}" "${runs[ng_quiet]}"
report "access log on" "${runs[fa_logging]}" "${runs[ng_logging]}"
echo "  target: fa-learn >= 1.20x nginx"
