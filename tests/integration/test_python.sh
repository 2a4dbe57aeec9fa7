#!/usr/bin/env bash
# test_python.sh: `fa-learn python` and the fa-learn-python3 link next to fa-learn behave like
# python3 (script, -c, -m, stdin, sys.argv, exit status, -X -B -I -E -S -u -W -O, sys.flags),
# with fastaudit and labnative built in; child interpreters started from sys.executable work
# (subprocess, multiprocessing spawn and forkserver, venv --without-pip; issue #17).
# Usage: test_python.sh FA_LEARN_BINARY
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
link=$(dirname "$bin")/fa-learn-python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0
# The caller's PYTHONUNBUFFERED, PYTHONDONTWRITEBYTECODE... would hide what the flags do.
unset "${!PYTHON@}"

# expect STATUS EXPECTED_STDOUT -- COMMAND...: exact stdout and exit status. The time limit
# only bounds a failure: a multiprocessing pool whose children cannot start waits forever.
expect() {
    local want_status=$1 want_out=$2 out status
    shift 3
    out=$(timeout 60 "$@" 2>"$tmp/stderr")
    status=$?
    checks=$((checks + 1))
    if [[ $status -ne $want_status || $out != "$want_out" ]]; then
        failures=$((failures + 1))
        printf 'FAILED: %s\n  want status %s, stdout %q\n  got status %s, stdout %q\n  stderr: %s\n' \
            "$*" "$want_status" "$want_out" "$status" "$out" "$(head -c 500 "$tmp/stderr")"
    fi
}

# check WHAT COMMAND...: a check that is a command's success.
check() {
    local what=$1
    shift
    checks=$((checks + 1))
    "$@" || { failures=$((failures + 1)); echo "FAILED: $what"; }
}

[[ -x $link ]] || { echo "FAILED: no fa-learn-python3 link next to $bin"; exit 1; }

printf 'import sys\nprint(sys.argv)\nsys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)\n' >"$tmp/script.py"
printf '{"b": 1, "a": [1, 2]}' >"$tmp/data.json"
printf 'import sys\nprint(__name__, sys.argv[1:])\n' >"$tmp/own_module.py"
cat >"$tmp/pool.py" <<'EOF'
import multiprocessing
import sys


def probe(n):
    # A spawned or forkserver child is a new interpreter: fa-learn's, with fastaudit built in.
    return n * n, "fastaudit" in sys.builtin_module_names


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    with context.Pool(2) as pool:
        results = pool.map(probe, range(4))
    print(context.get_start_method(), [r[0] for r in results], all(r[1] for r in results))
EOF
child='import sys; print(sys.flags.utf8_mode, "fastaudit" in sys.builtin_module_names)'

# Each check runs for both ways in: the subcommand and the link with none.
for way in subcommand link; do
    if [[ $way == subcommand ]]; then py=("$bin" python); else py=("$link"); fi
    echo "-- ${py[*]}"

    expect 0 "['-c', 'a', 'b c']" -- "${py[@]}" -c 'import sys; print(sys.argv)' a 'b c'
    expect 3 "" -- "${py[@]}" -c 'raise SystemExit(3)'
    expect 1 "" -- "${py[@]}" -c 'raise ValueError("boom")'
    check "traceback on stderr" grep -q 'ValueError: boom' "$tmp/stderr"
    expect 0 "['$tmp/script.py', '0']" -- "${py[@]}" "$tmp/script.py" 0
    expect 7 "['$tmp/script.py', '7']" -- "${py[@]}" "$tmp/script.py" 7
    expect 0 "42" -- bash -c 'echo "print(6 * 7)" | "$@"' -- "${py[@]}"
    expect 0 "['-', 'x']" -- bash -c 'echo "import sys; print(sys.argv)" | "$@" - x' -- "${py[@]}"
    expect 0 $'{\n    "b": 1,\n    "a": [\n        1,\n        2\n    ]\n}' -- "${py[@]}" -m json.tool "$tmp/data.json"
    expect 0 "__main__ ['a']" -- env -C "$tmp" "${py[@]}" -m own_module a
    expect 0 "True" -- "${py[@]}" -c 'import sys; print(sys.version_info >= (3, 12))'
    expect 0 "True True" -- "${py[@]}" -c 'import fastaudit, labnative, sys; print(hasattr(fastaudit, "mk_audit"), hasattr(sys, "monitoring"))'
    expect 0 "fastaudit labnative" -- "${py[@]}" -c 'import sys; print(*sorted(m for m in sys.builtin_module_names if m in ("fastaudit", "labnative")))'
    expect 2 "" -- "${py[@]}" --no-such-option
    expect 0 "Python 3.13" -- bash -c '"$@" --version | cut -d. -f1-2' -- "${py[@]}"

    # sys.executable is the link, whichever way in, and it is this very binary.
    expect 0 "$link True" -- "${py[@]}" -c 'import os, sys; print(sys.executable, os.path.samefile(sys.executable, "'"$bin"'"))'

    # Interpreter flags, read back from sys.flags and from what they do.
    expect 0 "1 {'utf8': True}" -- "${py[@]}" -X utf8 -c 'import sys; print(sys.flags.utf8_mode, sys._xoptions)'
    expect 0 "True True" -- "${py[@]}" -X dev -c 'import sys; print(sys.flags.dev_mode, sys.flags.dev_mode == ("dev" in sys._xoptions))'
    expect 0 "1 False" -- "${py[@]}" -O -c 'import sys; print(sys.flags.optimize, __debug__)'
    rm -rf "$tmp/__pycache__"
    expect 0 $'own_module []\n1' -- env -C "$tmp" "${py[@]}" -B -c 'import sys, own_module; print(sys.flags.dont_write_bytecode)'
    check "-B writes no __pycache__" test ! -e "$tmp/__pycache__"
    expect 0 $'own_module []\n0' -- env -C "$tmp" "${py[@]}" -c 'import sys, own_module; print(sys.flags.dont_write_bytecode)'
    check "without -B, __pycache__ is written" test -d "$tmp/__pycache__"
    expect 0 "1 1 True False" -- env PYTHONPATH=/nonexistent-fa "${py[@]}" -I -c 'import sys; print(sys.flags.isolated, sys.flags.ignore_environment, sys.flags.safe_path, "/nonexistent-fa" in sys.path)'
    expect 0 "True" -- env PYTHONPATH=/nonexistent-fa "${py[@]}" -c 'import sys; print("/nonexistent-fa" in sys.path)'
    expect 0 "1 False" -- env PYTHONPATH=/nonexistent-fa "${py[@]}" -E -c 'import sys; print(sys.flags.ignore_environment, "/nonexistent-fa" in sys.path)'
    expect 0 "1 False" -- "${py[@]}" -S -c 'import sys; print(sys.flags.no_site, "site" in sys.modules)'
    expect 0 "0 True" -- "${py[@]}" -c 'import sys; print(sys.flags.no_site, "site" in sys.modules)'
    expect 0 "['error::DeprecationWarning']" -- "${py[@]}" -W error::DeprecationWarning -c 'import sys; print(sys.warnoptions)'
    expect 1 "" -- "${py[@]}" -W error::DeprecationWarning -c 'import warnings; warnings.warn("old", DeprecationWarning)'
    check "-W error turns the warning into an exception" grep -q 'DeprecationWarning: old' "$tmp/stderr"

    # -u: the line reaches the pipe before the child waits for input. Without -u it would sit
    # in the child's buffer and the read would time out (the timeout only bounds a failure).
    coproc unbuffered { "${py[@]}" -u -c 'import sys; sys.stdout.write("ready\n"); sys.stdin.readline()'; }
    line=
    read -r -t 20 line <&"${unbuffered[0]}"
    echo >&"${unbuffered[1]}"
    wait "$unbuffered_PID"
    check "-u: output is unbuffered (got '$line')" test "$line" = ready

    # Child interpreters from sys.executable: subprocess (also with another argv[0]).
    expect 0 "0 1 True" -- "${py[@]}" -c 'import subprocess, sys
r = subprocess.run([sys.executable, "-X", "utf8", "-c", sys.argv[1]], capture_output=True, text=True)
print(r.returncode, r.stdout.strip())' "$child"
    expect 0 "47" -- "${py[@]}" -c 'import subprocess, sys
r = subprocess.run(["doesnotexist", "-c", "raise SystemExit(47)"], executable=sys.executable)
print(r.returncode)'
    # multiprocessing's spawn and forkserver start sys.executable.
    for method in spawn forkserver; do
        expect 0 "$method [0, 1, 4, 9] True" -- "${py[@]}" "$tmp/pool.py" "$method"
    done

    # venv --without-pip: its python is fa-learn's, inside the venv, and so are its children.
    venv=$tmp/venv-$way
    expect 0 "" -- "${py[@]}" -m venv --without-pip "$venv"
    expect 0 "True $venv True" -- "$venv/bin/python" -c 'import fastaudit, sys; print(sys.prefix != sys.base_prefix, sys.prefix, sys._base_executable == "'"$link"'")'
    expect 0 "$venv" -- "$venv/bin/python3" -c 'import subprocess, sys
print(subprocess.run([sys.executable, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True, check=True).stdout.strip())'
    expect 0 "spawn [0, 1, 4, 9] True" -- "$venv/bin/python" "$tmp/pool.py" spawn
done

# The build folder's python3 is the same interpreter for a PATH.
expect 0 "3 True" -- env PATH="$(dirname "$bin"):$PATH" python3 -c 'import sys; print(sys.version_info[0], "fastaudit" in sys.builtin_module_names)'
# fa-learn itself still wants a subcommand.
expect 2 "" -- "$bin" -c 'print(1)'

echo "$checks checks, $failures failed"
[[ $failures -eq 0 ]]
