#!/usr/bin/env bash
# run.sh: the browser test. Installs playwright-core (npm, from the lock file) into the build
# folder once, starts the real fa-learn serve on a free loopback port, and runs wiki.test.mjs
# then sandbox.test.mjs (which needs POST /api/run), divergence.test.mjs, quiz.test.mjs, site.test.mjs and
# a11y.test.mjs (axe-core, installed the same way) in Debian's Chromium. Usage: run.sh FA_LEARN_BINARY SOURCE_DIR ARTIFACT_DIR
set -euo pipefail
mkdir -p "$3"
bin=$(realpath "$1")
src=$(realpath "$2")
artifacts=$(realpath "$3")
here=$(cd "$(dirname "$0")" && pwd)
node_dir=$artifacts/../browser-node

chromium=${FA_LEARN_CHROMIUM:-$(command -v chromium || true)}
if [[ -z $chromium ]]; then
    echo "FAILED: Debian's chromium is not installed (scripts/setup.sh installs it)"
    exit 1
fi
mkdir -p "$artifacts" "$node_dir"
if [[ ! -f $node_dir/node_modules/playwright-core/package.json ]] ||
   [[ ! -f $node_dir/node_modules/axe-core/package.json ]] ||
   ! cmp -s "$here/package-lock.json" "$node_dir/package-lock.json"; then
    cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$node_dir/"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

tmp=$(mktemp -d)
server_pid=
off_pid=
cleanup() {
    [[ -n $off_pid ]] && kill "$off_pid" 2>/dev/null && wait "$off_pid" 2>/dev/null
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
"$bin" serve --port 0 --data "$tmp/data" --content "$src/content" --static "$src/static" \
    --quiet >"$tmp/out" 2>"$tmp/err" &
server_pid=$!
for _ in $(seq 100); do [[ -s $tmp/out ]] && break; sleep 0.1; done
url=$(sed -nE 's|^fa-learn: serving (http://[^ ]+)/$|\1|p' "$tmp/out")
if [[ -z $url ]]; then
    echo "FAILED: the server did not start"; cat "$tmp/err"; exit 1
fi
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile node "$here/wiki.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-sandbox node "$here/sandbox.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-results node "$here/results.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-trace node "$here/trace.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-errors node "$here/errors.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-divergence node "$here/divergence.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-quiz node "$here/quiz.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-site node "$here/site.test.mjs"
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-a11y node "$here/a11y.test.mjs"

# A second server, without the sandbox (issue 14: the pages must say so).
"$bin" serve --port 0 --no-sandbox --data "$tmp/data-off" --content "$src/content" \
    --static "$src/static" --quiet >"$tmp/out-off" 2>"$tmp/err-off" &
off_pid=$!
for _ in $(seq 100); do [[ -s $tmp/out-off ]] && break; sleep 0.1; done
off_url=$(sed -nE 's|^fa-learn: serving (http://[^ ]+)/$|\1|p' "$tmp/out-off")
if [[ -z $off_url ]]; then
    echo "FAILED: the server without the sandbox did not start"; cat "$tmp/err-off"; exit 1
fi
NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$off_url ARTIFACTS=$artifacts \
    PROFILE_DIR=$tmp/profile-off node "$here/nosandbox.test.mjs"
