"""Holds the wiki's Python examples to what the pages claim (content/README.md, "Python
examples: runnable or illustration"):

- every ```pyrun block runs through `fa-learn run --json` (the real supervisor, jail and
  engine) under the preset its first line names (`# preset: NAME`; `fastaudit` when it names
  none) and must end as its info string says (status=, deny=, class=...); when an ```output
  block follows it at once, the run's output must be exactly that;
- a ```pyrun block that names no preset runs under `hardened` too, and must end the same way
  there (status, output, exception type): a block whose outcome depends on the preset must
  say which one it shows, or a learner who changes the preset sees something the page does
  not explain (issue 13);
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


# The sandbox's presets (issue 12). A runnable block that shows one preset's behaviour says so
# on its first line; the Try-it link carries the code, so it carries the preset too.
PRESETS = ("fastaudit", "hardened", "hook-only", "strict")
PRESET_LINE = re.compile(r"#\s*preset\s*:\s*(.*?)\s*")


def preset_of(code):
    """The preset named on the code's first line, None when the line names none; raises
    ValueError for a line that names something else."""
    m = PRESET_LINE.fullmatch(code.split("\n", 1)[0])
    if not m:
        return None
    if m.group(1) not in PRESETS:
        raise ValueError(f"'# preset: {m.group(1)}': the preset must be one of "
                         f"{', '.join(PRESETS)}")
    return m.group(1)


def run(binary, code, preset):
    """The JSON result of one run under preset, or what went wrong as text."""
    proc = subprocess.run([binary, "run", "--json", "--preset", preset, "-"], input=code,
                          capture_output=True, text=True, timeout=60)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return f"no result from fa-learn run (exit {proc.returncode}): {proc.stderr[-300:]}"


def outcome(result):
    """What a learner sees of a run besides the trace: how it ended, what it printed, and
    the type of the exception it ended with."""
    return {"status": result.get("status"), "exception": (result.get("exception") or {}).get("type"),
            "output": result.get("stdout", "")}


def check_pyrun(binary, info, code, output):
    expect = dict(word.split("=", 1) for word in info.split()[1:])
    problems = []
    if "preset" in expect:
        problems.append("preset= in the info string: name the preset on the block's first "
                        "line instead (# preset: NAME), so that the Try-it link carries it")
    try:
        named = preset_of(code)
    except ValueError as e:
        return problems + [str(e)]
    result = run(binary, code, named or expect.get("preset", "fastaudit"))
    if isinstance(result, str):
        return problems + [result]
    problems += run_cases.judge(result, {k: v for k, v in expect.items() if k != "preset"})
    if "status" not in expect:
        problems.append("no status= in the info string")
    if output is not None and not same_output(result.get("stdout", ""), output):
        problems.append(f"output differs from the page:\n--- page\n{output}--- run\n"
                        f"{result.get('stdout', '')}")
    if named is None and "preset" not in expect:
        other = run(binary, code, "hardened")
        if isinstance(other, str):
            return problems + [f"under hardened: {other}"]
        got, alt = outcome(result), outcome(other)
        if got != alt:
            diff = "".join(f"\n--- {key} under fastaudit\n{got[key]}\n--- under hardened\n"
                           f"{alt[key]}" for key in got if got[key] != alt[key])
            problems.append("the outcome depends on the preset, and the block does not say "
                            "which one it shows: start it with '# preset: fastaudit' (and "
                            "show the hardened preset's outcome in a block of its own)" + diff)
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
