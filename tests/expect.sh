# expect.sh: sourced by the shell tests that check a command's exit status and output.
# Keeps the counts in `checks` and `failures` (set both to 0 before the first expect).

# expect STATUS PATTERN -- COMMAND...: runs COMMAND, checks its exit status and that its
# combined output matches PATTERN (grep -E).
expect() {
    local want=$1 pattern=$2 out status
    shift 3
    out=$("$@" 2>&1)
    status=$?
    checks=$((checks + 1))
    if [[ $status -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
        failures=$((failures + 1))
        printf 'FAILED: %s\n  want status %s and /%s/\n  got status %s: %s\n' "$*" "$want" \
            "$pattern" "$status" "$out"
    fi
}
