#!/usr/bin/env bash
# test_systemd.sh (issue 11): contrib/systemd/fa-learn.service passes `systemd-analyze verify`
# with no warning at all (verify exits 0 on an unknown key or a bad value, so its output is
# checked too), keeps its hardening (`systemd-analyze security --offline`, exposure at most
# 4.5 of 10; the unit without its protections scores 7), and keeps what the sandbox needs.
# The unit names /usr/local/bin/fa-learn; the copy checked here names the build's binary,
# since verify wants the command to exist. (Whether the sandbox runs under these settings
# needs a running systemd, which the test machines do not have: see README "Deploying".)
# Usage: test_systemd.sh SOURCE_DIR FA_LEARN_BINARY
set -u
src=$1 bin=$2
unit=$src/contrib/systemd/fa-learn.service
checks=0 failures=0

fail() { failures=$((failures + 1)); printf 'FAILED: %s\n' "$*"; }

command -v systemd-analyze >/dev/null || { echo "FAILED: no systemd-analyze (scripts/setup.sh installs systemd)"; exit 1; }
work=$(mktemp -d /tmp/fa-learn-systemd-XXXXXX)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/fa-learn|$bin|g" "$unit" >"$work/fa-learn.service"

checks=$((checks + 1))
out=$(cd "$work" && systemd-analyze verify ./fa-learn.service 2>&1)
status=$?
[[ $status -eq 0 && -z $out ]] || fail "systemd-analyze verify: status $status: $out"

checks=$((checks + 1))
out=$(cd "$work" && systemd-analyze security --offline=true --threshold=45 ./fa-learn.service 2>&1)
status=$?
[[ $status -eq 0 ]] || fail "exposure above 4.5: $(tail -n 1 <<<"$out")"

# What the sandbox's supervisor needs stays (sandbox/README.md): ids, namespaces, mounts.
for want in '^CapabilityBoundingSet=.*CAP_SETUID' '^CapabilityBoundingSet=.*CAP_SETGID' \
            '^CapabilityBoundingSet=.*CAP_SYS_ADMIN' '^CapabilityBoundingSet=.*CAP_KILL' \
            '^RestrictNamespaces=mnt net$' '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' \
            '^ProtectHome=yes$' '^PrivateTmp=yes$' '^StateDirectory=fa-learn$' \
            '^ExecStart=.* serve .*--data %S/fa-learn' '^Restart=on-failure$'; do
    checks=$((checks + 1))
    grep -qE -- "$want" "$unit" || fail "the unit has no line /$want/"
done
# Every capability the unit keeps is one the supervisor uses.
checks=$((checks + 1))
extra=$(grep -E '^CapabilityBoundingSet=' "$unit" | cut -d= -f2 | tr ' ' '\n' |
        grep -vxE 'CAP_(SETUID|SETGID|SYS_ADMIN|KILL|CHOWN|FOWNER|DAC_OVERRIDE)')
[[ -z $extra ]] || fail "capabilities the sandbox does not need: $extra"

echo "systemd: $checks checks, $failures failed"
[[ $failures -eq 0 && $checks -gt 0 ]]
