"""Runs every sandbox gallery snippet (content/sandbox/NN-name.py) through `fa-learn run
--json` (the real supervisor, jail and engine) and checks the expectations in its header with
run_cases.py's check(). Also checks that each snippet has the header the /sandbox page shows
(title, concept, wiki link, expect), that there are at least 12, and that no run wrote outside
its scratch folder or left a process behind. A snippet with a `# hardened:` line (issue 12: a
difference between FastAudit's rules and fa-learn's hardened ones) runs a second time under
`--preset hardened` and must end as that line says; its `# expect:` is FastAudit's outcome.
Usage: fa-learn python test_gallery.py FA_LEARN_BINARY [GALLERY_DIR]
"""
import os
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_cases  # noqa: E402

NAME = re.compile(r"^[0-9]+-[a-z0-9-]+\.py$")
REQUIRED = ["title", "concept", "wiki", "expect"]


def header_problems(path):
    fields = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^# (\w+): (.*)$", line)
        if not m:
            break
        fields[m.group(1)] = m.group(2).strip()
    problems = [f"no '# {key}:' line in the header" for key in REQUIRED if not fields.get(key)]
    if fields.get("wiki") and not fields["wiki"].startswith("/wiki/"):
        problems.append(f"wiki link {fields['wiki']!r} does not start with /wiki/")
    if not NAME.match(path.name):
        problems.append("the file name is not NN-name.py")
    return problems


def hardened_expect(path):
    """The `# hardened:` expectations as a dict, or None when the snippet has none."""
    for line in path.read_text().splitlines():
        if line.startswith("# hardened:"):
            return dict(item.split("=", 1) for item in line.split(":", 1)[1].split())
    return None


def main():
    binary = sys.argv[1]
    gallery = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent.parent / "content" / "sandbox"
    snippets = sorted(gallery.glob("*.py"))
    failures = 0
    if len(snippets) < 12:
        print(f"FAIL the gallery has {len(snippets)} snippets, at least 12 wanted")
        failures += 1
    for snippet in snippets:
        problems = header_problems(snippet) + run_cases.check(snippet, run_cases.cli_runner(binary))
        hardened = hardened_expect(snippet)
        if hardened is not None:
            args = run_cases.header(snippet)[0]
            result = run_cases.cli_runner(binary)(snippet, [*args, "--preset", "hardened"])
            problems += ([result] if isinstance(result, str) else
                         [f"hardened: {p}" for p in run_cases.judge(result, hardened) +
                          run_cases.leaks(result)])
        for path in run_cases.ESCAPES:
            if os.path.exists(path):
                problems.append(f"{path} was created outside the scratch folder")
                os.remove(path)
        left = run_cases.leftover_processes(binary, snippet)
        if left:
            problems.append(f"processes left behind: {left}")
        print(f"{'ok  ' if not problems else 'FAIL'} {snippet.stem}")
        for p in problems:
            print(f"     {p}")
        failures += bool(problems)
    print(f"{len(snippets)} snippets, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
