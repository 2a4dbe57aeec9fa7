"""Holds the wiki's Python examples to what the pages claim (content/README.md, "Python
examples: runnable or illustration"):

- every ```pyrun block runs through `fa-learn run --json` (the real supervisor, jail and
  engine) and must end as its info string says (status=, deny=, class=...); when an
  ```output block follows it at once, the run's output must be exactly that;
- every ```python illustration block must compile; when an ```output block follows it, it
  runs with `fa-learn python` (no sandbox) and its output must be exactly that.

Usage: fa-learn python check_examples.py FA_LEARN_BINARY CONTENT_DIR [PAGE.md...]
"""
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "sandbox"))
import run_cases  # noqa: E402  (the sandbox cases' judge of a run's result)

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")


def blocks(text):
    """(line, info, code, output) for every fenced block; output is the text of an
    ```output block that follows at once (blank lines between allowed), else None."""
    lines = text.split("\n")
    found, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(2), m.group(3).strip(), i
        body, i = [], i + 1
        while i < len(lines) and not (lines[i].lstrip().startswith(fence) and
                                      lines[i].strip().strip(fence[0]) == ""):
            body.append(lines[i])
            i += 1
        found.append([start + 1, info, "\n".join(body) + "\n", None])
        i += 1
    # An output block right after a block belongs to it.
    for k in range(len(found) - 1):
        if found[k + 1][1] == "output" and found[k][1] != "output":
            between = lines[found[k][0] + found[k][2].count("\n") + 1:found[k + 1][0] - 1]
            if all(not line.strip() for line in between):
                found[k][3] = found[k + 1][2]
    return found


def same_output(got, want):
    return got.rstrip() == want.rstrip()


PRESET_LINE = re.compile(r"^# preset: ([A-Za-z0-9_-]{1,64})[ \t]*$")


def check_pyrun(binary, info, code, output):
    expect = dict(word.split("=", 1) for word in info.split()[1:])
    # A first line "# preset: NAME" is the preset the page's Try it link selects (site.js,
    # content/README.md): the block runs under it. preset= in the info string picks the rule
    # set too (issue 12); fastaudit when neither is there.
    line = PRESET_LINE.match(code.split("\n", 1)[0])
    if line and expect.get("preset", line.group(1)) != line.group(1):
        return [f"the block's '# preset: {line.group(1)}' line and the info string's "
                f"preset={expect['preset']} differ"]
    if line:
        expect["preset"] = line.group(1)
    preset = ["--preset", expect.pop("preset")] if "preset" in expect else []
    proc = subprocess.run([binary, "run", "--json", *preset, "-"], input=code,
                          capture_output=True, text=True, timeout=60)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        return [f"no result from fa-learn run (exit {proc.returncode}): {proc.stderr[-300:]}"]
    problems = run_cases.judge(result, expect)
    if "status" not in expect:
        problems.append("no status= in the info string")
    if output is not None and not same_output(result.get("stdout", ""), output):
        problems.append(f"output differs from the page:\n--- page\n{output}--- run\n"
                        f"{result.get('stdout', '')}")
    return problems


def check_illustration(binary, code, output, name):
    try:
        compile(code, name, "exec")
    except SyntaxError as e:
        return [f"does not compile: {e}"]
    if output is None:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([binary, "python", "-"], input=code, capture_output=True,
                              text=True, timeout=60, cwd=tmp)
    if not same_output(proc.stdout, output):
        return [f"output differs from the page:\n--- page\n{output}--- run\n{proc.stdout}"
                f"{proc.stderr[-500:]}"]
    return []


def main():
    binary, content = str(pathlib.Path(sys.argv[1]).resolve()), pathlib.Path(sys.argv[2])
    pages = [pathlib.Path(p) for p in sys.argv[3:]] or sorted(content.glob("pages/*.md"))
    jobs = []
    for page in pages:
        for line, info, code, output in blocks(page.read_text()):
            where = f"{page.name}:{line}"
            lang = info.split()[0] if info else ""
            if lang == "pyrun" and os.environ.get("FA_LEARN_ASAN") == "1" and \
                    "MemoryError" in info:
                # AddressSanitizer reserves terabytes of address space, so an ASan build runs
                # snippets without RLIMIT_AS (sbx_supervisor.c): a memory limit cannot show.
                print(f"NOT RUN {where}: an ASan build cannot limit address space")
            elif lang == "pyrun":
                jobs.append((where, lambda i=info, c=code, o=output:
                             check_pyrun(binary, i, c, o)))
            elif lang in ("python", "py", "python3") and info.split()[1:] == ["illustration"]:
                jobs.append((where, lambda c=code, o=output, w=where:
                             check_illustration(binary, c, o, w)))
    failures = 0
    runnable = sum(1 for where, _ in jobs)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for (where, _), problems in zip(jobs, pool.map(lambda job: job[1](), jobs)):
            print(f"{'ok  ' if not problems else 'FAIL'} {where}")
            for p in problems:
                print("     " + p.replace("\n", "\n     "))
            failures += bool(problems)
    print(f"{runnable} examples, {failures} failed")
    return 1 if failures or not runnable else 0


if __name__ == "__main__":
    sys.exit(main())
