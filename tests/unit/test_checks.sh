#!/usr/bin/env bash
# test_checks.sh: the source checks of scripts/ can fail (issue 16): each is run on a small
# tree made here with the fault it looks for, and on the same tree without it.
# Usage: test_checks.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

. "$src/tests/expect.sh"

# Include cycles: between two folders' headers (a folder cycle and a file cycle).
mkdir -p "$tmp/inc/common" "$tmp/inc/server"
printf '#include "server/b.h"\n' >"$tmp/inc/common/a.h"
printf '#include "common/a.h"\n' >"$tmp/inc/server/b.h"
expect 1 'folder cycle: common <-> server' -- "$src/scripts/check-includes.py" "$tmp/inc"
expect 1 'file cycle: common/a.h <-> server/b.h' -- "$src/scripts/check-includes.py" "$tmp/inc"
printf '/* no include */\n' >"$tmp/inc/common/a.h"
expect 0 '0 cycles' -- "$src/scripts/check-includes.py" "$tmp/inc"
# A component cycle (x.c includes y.h, y.c includes x.h) fails only with --components.
printf '/* x */\n' >"$tmp/inc/server/x.h"
printf '/* y */\n' >"$tmp/inc/server/y.h"
printf '#include "server/y.h"\n' >"$tmp/inc/server/x.c"
printf '#include "server/x.h"\n' >"$tmp/inc/server/y.c"
expect 0 'component cycle \(not yet required\): server/x <-> server/y' -- "$src/scripts/check-includes.py" "$tmp/inc"
expect 1 'component cycle: server/x <-> server/y' -- "$src/scripts/check-includes.py" --components "$tmp/inc"

# A %s in an HTML format string, in a printf-like call over several lines; comments and
# plain messages are not HTML.
mkdir -p "$tmp/html/server"
cat >"$tmp/html/server/view.c" <<'C'
static int view(struct fa_buf *b, const char *name)
{
    /* fa_buf_printf(b, "<p>%s</p>", name) in a comment is fine */
    fa_diag_set(diag, FA_EINVAL, "link '%s': write it as /wiki/<slug>", name);
    return fa_buf_printf(b, "<li class=\"x\">"
                            "<a href=\"/wiki/%s\">", name);
}
C
expect 1 'server/view.c:5: fa_buf_printf with %s in HTML' -- "$src/scripts/check-html-format.py" "$tmp/html"
sed -i 's|"<a href=\\"/wiki/%s\\">", name|"<a href=\\"/wiki/%d\\">", 3|' "$tmp/html/server/view.c"
expect 0 '1 files, 0 HTML formats' -- "$src/scripts/check-html-format.py" "$tmp/html"
printf 'void f(void) { fa_html_printf(hb, "%%s", "x"); }\n' >"$tmp/html/server/any.c"
expect 1 'any.c:1: fa_html_printf with %s' -- "$src/scripts/check-html-format.py" "$tmp/html"

# Banned functions, in a file one folder down (server/ has a folder per layer), and a tree
# without any C file, which must not pass as clean.
mkdir -p "$tmp/banned/server/app"
printf 'void f(void) { char *p = malloc(4); }\n' >"$tmp/banned/server/app/x.c"
expect 1 'server/app/x.c:1:' -- "$src/scripts/check-banned.sh" "$tmp/banned"
mkdir -p "$tmp/empty"
expect 2 'no C files found' -- "$src/scripts/check-banned.sh" "$tmp/empty"

echo "$checks checks, $failures failed"
[[ $failures -eq 0 && $checks -gt 0 ]]
