# serve.sh: sourced by the benchmarks that measure one `fa-learn serve` (quiz.sh, sandbox.sh,
# instructor.sh). Sets here, src, build (BUILD, default build) and bin, makes a temporary
# folder tmp removed on exit with the server, and defines bench_serve FLAGS...: starts the
# server on a free loopback port with its data in tmp, reads its first line (the URL it
# serves, scripts/serve-url.sh) and sets url, or stops the benchmark with the server's error. Environment settings
# written before bench_serve reach the server.
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
src=$(dirname "$here")
build=${BUILD:-build}
[[ $build = /* ]] || build=$src/$build
bin=$build/server/fa-learn
tmp=$(mktemp -d)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

. "$src/scripts/serve-url.sh"

bench_serve() {
    serve_url "$tmp" url "$bin" serve --port 0 --data "$tmp/data" --quiet "$@" 2>"$tmp/err"
    [[ -n $url ]] || { echo "bench: the server did not start"; cat "$tmp/err"; exit 1; }
}
