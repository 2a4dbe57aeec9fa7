#!/usr/bin/env bash
# Installs what fa-learn needs and is missing: Debian packages, then CPython >= 3.12
# for embedding (built once from Debian's python3.13 source package into a cache
# folder when the system has none). Safe to run again: a second run takes seconds.
# Prints the path of a python3.X-config usable for embedding on its last line.
set -euo pipefail

cache=${FA_LEARN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fa-learn}
prefix=$cache/python3.13
want_browser=${FA_LEARN_SETUP_BROWSER:-1}

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

packages=(
    build-essential cmake pkg-config git
    libmicrohttpd-dev libsqlite3-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
    libjansson-dev libseccomp-dev libjs-codemirror zlib1g-dev libcurl4-openssl-dev
    libssl-dev # libcrypto: HMAC-SHA256 for quiz attempt tokens, SHA-256 of instructor secrets
    nginx-light wrk clang
    systemd # systemd-analyze, for the test of contrib/systemd/fa-learn.service
)
[[ $want_browser == 1 ]] && packages+=(chromium nodejs npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# nodejs/npm may come from elsewhere (nodesource); a working binary is enough.
if [[ ${#missing[@]} -gt 0 ]]; then
    filtered=()
    for p in "${missing[@]}"; do
        case $p in
            nodejs) command -v node >/dev/null || filtered+=("$p") ;;
            npm) command -v npm >/dev/null || filtered+=("$p") ;;
            *) filtered+=("$p") ;;
        esac
    done
    missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# libFuzzer's runtime (fuzz/, `make fuzz` and the short runs of `make test`) is not part of the
# clang package: it ships in compiler-rt's package of the same version (Debian 12: clang-14,
# libclang-rt-14-dev), which --no-install-recommends leaves out.
fuzzer_links() {
    local out
    out=$(mktemp) || return 1
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' |
        clang -x c -fsanitize=fuzzer,address,undefined - -o "$out" >/dev/null 2>&1
    local rc=$?
    rm -f "$out"
    return $rc
}
if ! fuzzer_links; then
    rt="libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
    log "installing $rt (libFuzzer)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$rt" >&2
    fuzzer_links || { log "clang cannot link a libFuzzer target even with $rt"; exit 1; }
fi

# --- The browser tests' npm packages (playwright-core, axe-core) ------------------
# From tests/browser/package-lock.json into the cache, at set-up time: ctest never installs
# anything (issue 16), and tests/browser/run.sh fails, naming this script, when they are
# missing or older than the lock file. The browser itself is Debian's chromium (above).
browser_node=$cache/browser-node
browser_src=$(cd "$(dirname "$0")/.." && pwd)/tests/browser
if [[ $want_browser == 1 ]] &&
   { [[ ! -f $browser_node/node_modules/playwright-core/package.json ]] ||
     [[ ! -f $browser_node/node_modules/axe-core/package.json ]] ||
     ! cmp -s "$browser_src/package-lock.json" "$browser_node/package-lock.json"; }; then
    log "installing the browser tests' npm packages into $browser_node"
    mkdir -p "$browser_node"
    cp "$browser_src/package.json" "$browser_src/package-lock.json" "$browser_src/.npmrc" \
        "$browser_node/"
    (cd "$browser_node" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
        { log "npm ci failed in $browser_node"; exit 1; }
fi

# --- CPython >= 3.12 with embedding support -------------------------------------
embed_ok() { # $1: a python3.X-config
    local cfg=$1 ver
    ver=$("${cfg%-config}" -c 'import sys; print(sys.version_info >= (3, 12))' 2>/dev/null) || return 1
    [[ $ver == True ]] && "$cfg" --ldflags --embed >/dev/null 2>&1
}

for cfg in "$prefix/bin/python3.13-config" $(compgen -c python3.1 | grep -E '^python3\.1[2-9]-config$' | sort -u); do
    if [[ -x $cfg || -n $(command -v "$cfg" 2>/dev/null) ]]; then
        cfg=$(command -v "$cfg" || echo "$cfg")
        if embed_ok "$cfg"; then echo "$cfg"; exit 0; fi
    fi
done

log "no CPython >= 3.12 for embedding: building 3.13 from Debian's source package into $prefix"
build_deps=(libssl-dev libffi-dev libbz2-dev liblzma-dev libreadline-dev libncurses-dev
            uuid-dev libgdbm-dev libexpat1-dev xz-utils dpkg-dev)
missing=()
for p in "${build_deps[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The archive's address comes from this machine's own apt sources (deb822 or one-line form).
archive=$(
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}'
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          sed -E 's/\[[^]]*\]//' | awk '/^deb / {print $2}'; } | grep -v security | head -n 1 || true
)
[[ -n $archive ]] || { log "cannot find a Debian archive in the apt sources"; exit 1; }

work=$cache/src
apt_dir=$cache/apt
mkdir -p "$work" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive trixie main" \
    > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_opts[@]}" source --download-only python3.13 >&2)
orig=$(ls "$work"/python3.13_*.orig.tar.* | head -n 1)
rm -rf "$work/build" && mkdir -p "$work/build"
tar -xf "$orig" -C "$work/build" --strip-components=1
(
    cd "$work/build"
    ./configure --prefix="$prefix" --enable-shared --without-ensurepip \
        LDFLAGS="-Wl,-rpath,$prefix/lib" >"$work/configure.log" 2>&1
    make -j"$(nproc)" >"$work/make.log" 2>&1
    make install >"$work/install.log" 2>&1
) || { log "CPython build failed; see the logs in $work"; exit 1; }
rm -rf "$work/build"
embed_ok "$prefix/bin/python3.13-config" || { log "built CPython cannot embed"; exit 1; }
echo "$prefix/bin/python3.13-config"
