#!/usr/bin/env bash
# test_python.sh: `fa-learn python` behaves like python3 (script, -c, -m, stdin, sys.argv,
# exit status), with fastaudit and labnative built in. Usage: test_python.sh FA_LEARN_BINARY
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

# expect STATUS EXPECTED_STDOUT -- COMMAND...: exact stdout and exit status.
expect() {
    local want_status=$1 want_out=$2 out status
    shift 3
    out=$("$@" 2>"$tmp/stderr")
    status=$?
    checks=$((checks + 1))
    if [[ $status -ne $want_status || $out != "$want_out" ]]; then
        failures=$((failures + 1))
        printf 'FAILED: %s\n  want status %s, stdout %q\n  got status %s, stdout %q\n  stderr: %s\n' \
            "$*" "$want_status" "$want_out" "$status" "$out" "$(head -c 500 "$tmp/stderr")"
    fi
}

printf 'import sys\nprint(sys.argv)\nsys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)\n' >"$tmp/script.py"
printf '{"b": 1, "a": [1, 2]}' >"$tmp/data.json"

expect 0 "['-c', 'a', 'b c']" -- "$bin" python -c 'import sys; print(sys.argv)' a 'b c'
expect 3 "" -- "$bin" python -c 'raise SystemExit(3)'
expect 1 "" -- "$bin" python -c 'raise ValueError("boom")'
checks=$((checks + 1))
grep -q 'ValueError: boom' "$tmp/stderr" || { failures=$((failures + 1)); echo "FAILED: traceback on stderr"; }
expect 0 "['$tmp/script.py', '0']" -- "$bin" python "$tmp/script.py" 0
expect 7 "['$tmp/script.py', '7']" -- "$bin" python "$tmp/script.py" 7
expect 0 "42" -- bash -c "echo 'print(6 * 7)' | '$bin' python"
expect 0 "['-', 'x']" -- bash -c "echo 'import sys; print(sys.argv)' | '$bin' python - x"
expect 0 $'{\n    "b": 1,\n    "a": [\n        1,\n        2\n    ]\n}' -- "$bin" python -m json.tool "$tmp/data.json"
expect 0 "True" -- "$bin" python -c 'import sys; print(sys.version_info >= (3, 12))'
expect 0 "True True" -- "$bin" python -c 'import fastaudit, labnative, sys; print(hasattr(fastaudit, "mk_audit"), hasattr(sys, "monitoring"))'
expect 0 "fastaudit labnative" -- "$bin" python -c 'import sys; print(*sorted(m for m in sys.builtin_module_names if m in ("fastaudit", "labnative")))'
expect 2 "" -- "$bin" python --no-such-option

echo "$checks checks, $failures failed"
[[ $failures -eq 0 ]]
