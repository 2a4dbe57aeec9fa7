#!/usr/bin/env bash
# run.sh: browser tests in Debian's Chromium, driven by playwright-core. Starts the real
# fa-learn serve on a free loopback port (with --no-sandbox: without the sandbox, issue 14)
# and runs each NAME.test.mjs against it in turn. ctest runs one or two names per test, so
# that they share the machine's cores with the other tests.
# Usage: run.sh FA_LEARN_BINARY SOURCE_DIR ARTIFACT_DIR [--no-sandbox] NAME...
# The npm packages (playwright-core, axe-core) come from scripts/setup.sh's cache folder:
# this script never installs anything (issue 16).
set -euo pipefail
mkdir -p "$3"
bin=$(realpath "$1")
src=$(realpath "$2")
artifacts=$(realpath "$3")
shift 3
serve_flags=()
if [[ ${1:-} == --no-sandbox ]]; then
    serve_flags=(--no-sandbox)
    shift
fi
[[ $# -gt 0 ]] || { echo "FAILED: which tests? (run.sh BIN SRC ARTIFACTS NAME...)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
node_dir=${FA_LEARN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fa-learn}/browser-node

chromium=${FA_LEARN_CHROMIUM:-$(command -v chromium || true)}
if [[ -z $chromium ]]; then
    echo "FAILED: Debian's chromium is not installed (scripts/setup.sh installs it)"
    exit 1
fi
if [[ ! -f $node_dir/node_modules/playwright-core/package.json ]] ||
   [[ ! -f $node_dir/node_modules/axe-core/package.json ]] ||
   ! cmp -s "$here/package-lock.json" "$node_dir/package-lock.json"; then
    echo "FAILED: the browser tests' npm packages in $node_dir are missing or older than"
    echo "        tests/browser/package-lock.json: run scripts/setup.sh (make setup)"
    exit 1
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
# The instructor's token, from a file, so that instructor.test.mjs can sign in.
admin_token=browser-test-instructor-token
printf '%s\n' "$admin_token" >"$tmp/admin-token"
. "$src/scripts/serve-url.sh"
serve_url "$tmp" url "$bin" serve --port 0 "${serve_flags[@]+"${serve_flags[@]}"}" \
    --data "$tmp/data" --content "$src/content" --static "$src/static" \
    --admin-token-file "$tmp/admin-token" --quiet 2>"$tmp/err"
if [[ -z $url ]]; then
    echo "FAILED: the server did not start"; cat "$tmp/err"; exit 1
fi
for name in "$@"; do
    NODE_PATH=$node_dir/node_modules CHROMIUM=$chromium BASE_URL=$url ARTIFACTS=$artifacts \
        PROFILE_DIR=$tmp/profile-$name ADMIN_TOKEN=$admin_token node "$here/$name.test.mjs"
done
