#!/usr/bin/env bash
# test_install.sh (issue 11): `cmake --install` to a temporary prefix, then the installed
# fa-learn on its own: in a private mount namespace an empty tmpfs covers the checkout, the
# build folder, the CPython it was built against (scripts/setup.sh's cache) and Debian's
# CodeMirror, so that nothing but the prefix can be used (hiding them there, rather than
# moving them, leaves the other tests running from them undisturbed). From / it must report
# its version, check its course, run a snippet (`fa-learn run`), start as python, and serve:
# a wiki page, a static file, CodeMirror, and a sandbox run over HTTP.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR PYTHON_PREFIX CODEMIRROR_DIR
set -u
build=$1 source=$2 python_prefix=$3 codemirror=$4

if [[ $(id -u) -ne 0 ]]; then
    echo "FAILED: the install test needs root (a mount namespace hides the build's files)"
    exit 1
fi
work=$(mktemp -d /tmp/fa-learn-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # runs, as nobody, read the interpreter under the prefix
prefix=$work/prefix

if ! cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1; then
    echo "FAILED: cmake --install"
    cat "$work/install.log"
    exit 1
fi
for f in bin/fa-learn bin/fa-learn-python3 share/fa-learn/content/home.md \
         share/fa-learn/static/css/site.css share/fa-learn/quiz/topics.md \
         share/fa-learn/codemirror/lib/codemirror.js; do
    [[ -e $prefix/$f ]] || { echo "FAILED: $f is not installed"; exit 1; }
done
if readelf -d "$prefix/bin/fa-learn" | grep -qF "$python_prefix"; then
    echo "FAILED: the installed binary's run path still names $python_prefix"
    exit 1
fi

cat >"$work/check.py" <<'EOF'
"""Run by the installed interpreter, inside the namespace: the installed fa-learn's checks."""
import json, os, subprocess, sys, urllib.request

prefix, work, hidden = sys.argv[1], sys.argv[2], sys.argv[3:]
fa = os.path.join(prefix, "bin", "fa-learn")
failures, checks = [], 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAILED:", what)


for path in hidden:
    check(not os.path.exists(path) or os.listdir(path) == [], f"{path} is hidden here")
check(sys.prefix == os.path.join(prefix, "lib", "fa-learn"), f"sys.prefix is {sys.prefix}")
out = subprocess.run([fa, "--version"], capture_output=True, text=True)
check(out.returncode == 0 and out.stdout.startswith("fa-learn "), f"--version: {out}")
out = subprocess.run([fa, "check"], capture_output=True, text=True)
check(out.returncode == 0, f"fa-learn check on the installed course: {out.stderr[-2000:]}")
out = subprocess.run([fa, "run", "-"], input="print(6 * 7)\n", capture_output=True, text=True)
check(out.returncode == 0 and "42" in out.stdout, f"fa-learn run: {out}")
out = subprocess.run([os.path.join(prefix, "bin", "fa-learn-python3"), "-c",
                      "import sys, fastaudit; print(sys.prefix)"], capture_output=True, text=True)
check(out.returncode == 0 and out.stdout.strip() == os.path.join(prefix, "lib", "fa-learn"),
      f"fa-learn-python3: {out}")

server = subprocess.Popen([fa, "serve", "--port", "0", "--data", os.path.join(work, "data"),
                           "--quiet"], stdout=subprocess.PIPE, text=True)
try:
    line = server.stdout.readline()
    check("serving http://" in line, f"the server starts: {line!r}")
    base = line.split("serving ", 1)[-1].strip().rstrip("/")

    def get(path, data=None):
        req = urllib.request.Request(base + path, data=data,
                                     headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()

    status, page = get("/wiki")
    check(status == 200 and "<title>" in page, "a wiki page")
    status, _ = get("/static/css/site.css")
    check(status == 200, "a static file")
    status, _ = get("/vendor/codemirror/lib/codemirror.js")
    check(status == 200, "CodeMirror")
    status, body = get("/api/run", json.dumps({"code": "import sys\nprint(sys.prefix, 6 * 7)"})
                       .encode())
    result = json.loads(body)
    check(status == 200 and result.get("status") == "ok" and
          # The interpreter's folder is shown as /python (issue 14's neutral paths): the
          # supervisor maps only its own prefix, the installed one, to that name.
          result.get("stdout", "").strip() == "/python 42",
          f"a sandbox run: {status} {body[:500]}")
finally:
    server.terminate()
    server.wait(timeout=30)
print(f"install: {checks} checks, {len(failures)} failed")
sys.exit(1 if failures or not checks else 0)
EOF

# Deepest first: a build folder inside the checkout is covered before the checkout is.
mapfile -t hide < <(for dir in "$source" "$build" "$python_prefix" "$codemirror"; do
                        [[ -d $dir ]] && realpath "$dir"; done | awk '{print length, $0}' |
                    sort -rn | cut -d' ' -f2-)
# Under ASan, LeakSanitizer's suppressions (the interpreter's lifetime allocations) live in
# the checkout, which is hidden below: a copy goes along in the work folder.
if [[ ${LSAN_OPTIONS:-} == *suppressions=* ]]; then
    supp=${LSAN_OPTIONS#*suppressions=}
    supp=${supp%%:*}
    cp "$supp" "$work/lsan.supp" || { echo "FAILED: cannot copy $supp"; exit 1; }
    export LSAN_OPTIONS=${LSAN_OPTIONS/"$supp"/"$work/lsan.supp"}
fi
# The inner shell covers each folder with an empty tmpfs (in its own namespace only), then
# runs the checks from / with the installed interpreter.
unshare --mount --propagation private bash -c '
    set -e
    prefix=$1 work=$2
    shift 2
    for dir in "$@"; do mount -t tmpfs -o size=1m,mode=0755 fa-learn-hidden "$dir"; done
    cd /
    exec "$prefix/bin/fa-learn-python3" "$work/check.py" "$prefix" "$work" "$@"
' bash "$prefix" "$work" "${hide[@]}"
