#!/usr/bin/env python3
"""check-html-format.py: refuses a %s in an HTML format string (issue 16, STYLE.md section 7).

A "%s" in a printf format that writes markup inserts a string raw: safe only while every
caller remembers to escape it first. Views build HTML with common/fa_html.h instead, where
text and attribute values go through escaping calls and trusted markup has its own type.
Checked: every call of a printf-like function (fa_buf_printf, fa_html_printf, fa_xasprintf,
snprintf, ...) in the C files of common/, content/, quiz/, sandbox/ and server/ whose format
(its first string-literal argument, adjacent literals joined) looks like HTML (a tag, or an
attribute being opened); in fa_html_printf any %s at all. Comments are ignored.
Prints file:line for each, and exits 1 when there is any.
Usage: check-html-format.py SOURCE_DIR [FILE...]   (files relative to SOURCE_DIR)"""
import os
import re
import sys

FOLDERS = ("common", "content", "quiz", "sandbox", "server")
PRINTF = re.compile(r"\b(fa_buf_printf|fa_buf_vprintf|fa_html_printf|fa_xasprintf|fa_diag_set|"
                    r"snprintf|vsnprintf|fprintf|dprintf|printf)\s*\(")
STRING_CONVERSION = re.compile(r"%[-+ #0]*(\d+|\*)?(\.(\d+|\*))?s")
# The elements fa-learn's pages use, so that "<slug>" in a plain message is not taken for one.
TAGS = ("a|abbr|article|aside|b|body|br|button|code|dd|details|div|dl|dt|em|fieldset|figcaption|"
        "figure|footer|form|h[1-6]|head|header|html|i|img|input|kbd|label|legend|li|link|main|"
        "mark|meta|nav|ol|option|output|p|pre|script|section|select|small|span|strong|sub|"
        "summary|sup|table|tbody|td|textarea|th|thead|time|title|tr|ul")
LOOKS_HTML = re.compile(r"</?(" + TAGS + r")[\s>/]|<!|\s[a-z][a-z-]*=\"$|=\"$")


def strip_comments(text):
    """The text with comments blanked (newlines kept), string and char literals intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def call_format(text, start):
    """The first run of adjacent string literals among the arguments of the call whose '('
    is at start, decoded enough to look at (escapes kept as written), or None."""
    depth, i, n = 0, start, len(text)
    pieces, in_run = [], False
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if depth == 1:
                pieces.append(text[i + 1:j])
                in_run = True
            i = j + 1
            continue
        if c == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                break
        elif not c.isspace() and in_run and depth == 1:
            break  # the run of literals is over: that was the format
        i += 1
    return "".join(pieces).replace('\\"', '"') if pieces else None


def check_file(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        text = strip_comments(f.read())
    found = []
    for m in PRINTF.finditer(text):
        fmt = call_format(text, m.end() - 1)
        if fmt is None or not STRING_CONVERSION.search(fmt):
            continue
        if m.group(1) == "fa_html_printf" or LOOKS_HTML.search(fmt):
            line = text.count("\n", 0, m.start()) + 1
            shown = fmt if len(fmt) <= 90 else fmt[:87] + "..."
            found.append(f"{rel}:{line}: {m.group(1)} with %s in HTML: \"{shown}\"")
    return found


def main(argv):
    if not argv:
        print(__doc__.rsplit("Usage: ", 1)[1].strip(), file=sys.stderr)
        return 2
    root, files = argv[0], argv[1:]
    if not files:
        for folder in FOLDERS:
            base = os.path.join(root, folder)
            for dirpath, dirs, names in os.walk(base):
                dirs.sort()
                files += [os.path.relpath(os.path.join(dirpath, f), root)
                          for f in sorted(names) if f.endswith(".c")]
    found = []
    for rel in files:
        found += check_file(root, rel)
    for line in found:
        print(line)
    print(f"check-html-format: {len(files)} files, {len(found)} HTML formats with %s"
          + (" (build the HTML with common/fa_html.h)" if found else ""))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
