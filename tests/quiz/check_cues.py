"""Fails when the question bank can be answered on surface cues instead of understanding
(issue 13): a single-choice key much longer than every other option, true/false keys all one
way (in a topic, or overall far from half), multiple-select questions that list their right
options first.

Prints the measures it judges, so a run shows where the bank stands:
  single-choice: how often the key is the longest option, and which keys are more than
                 1.3 times the longest other option (each one fails);
  true/false:    True/False keys per topic (a topic with two or more, all one way, fails)
                 and overall (outside one third to two thirds True fails);
  multiple:      how many list every right option before every wrong one (more than half
                 fails).

Usage: fa-learn python check_cues.py QUIZ_DIR
"""
import collections
import pathlib
import re
import sys

RATIO = 1.3  # a key longer than this times the longest other option stands out


def front(text, key):
    m = re.search(rf"^{key}:\s*(\S+)\s*$", text, re.M)
    return m.group(1) if m else None


def questions(quiz_dir):
    for path in sorted(pathlib.Path(quiz_dir, "questions").glob("*.md")):
        text = path.read_text()
        answer_part = text.split("## Explanation", 1)[0]
        options = [(mark.lower() == "x", body.strip())
                   for mark, body in re.findall(r"^- \[([ xX])\] (.+)$", answer_part, re.M)]
        yield path.name, front(text, "topic"), front(text, "type"), options


def shown_length(option):
    """The length a learner sees: code spans lose their backticks."""
    return len(option.replace("`", ""))


def main():
    quiz_dir = sys.argv[1]
    problems = []
    n_single = keyed_longest = 0
    tf = collections.defaultdict(collections.Counter)
    n_multiple = right_first = 0
    for name, topic, kind, options in questions(quiz_dir):
        if kind == "single":
            keyed = [shown_length(o) for right, o in options if right]
            others = [shown_length(o) for right, o in options if not right]
            if len(keyed) != 1 or not others:
                problems.append(f"{name}: a single-choice question needs one key and distractors")
                continue
            n_single += 1
            keyed_longest += keyed[0] > max(others)
            if keyed[0] > RATIO * max(others):
                problems.append(f"{name}: the key is {keyed[0] / max(others):.2f} times the "
                                f"longest other option (at most {RATIO})")
        elif kind == "truefalse":
            key = next((o for right, o in options if right), None)
            tf[topic][key] += 1
        elif kind == "multiple":
            n_multiple += 1
            marks = [right for right, _ in options]
            n_right = sum(marks)
            right_first += all(marks[:n_right]) and 0 < n_right < len(marks)

    print(f"single-choice: the key is the longest option in {keyed_longest} of {n_single}")
    if n_single and keyed_longest * 2 > n_single:
        problems.append(f"the key is the longest option in {keyed_longest} of {n_single} "
                        f"single-choice questions (at most half)")

    total = collections.Counter()
    for topic, keys in sorted(tf.items()):
        total.update(keys)
        if sum(keys.values()) >= 2 and len(keys) == 1:
            problems.append(f"topic {topic}: all {sum(keys.values())} true/false questions "
                            f"are keyed {next(iter(keys))}")
    n_tf = sum(total.values())
    print(f"true/false: {total['True']} keyed True, {total['False']} keyed False")
    if n_tf and not n_tf / 3 <= total["True"] <= 2 * n_tf / 3:
        problems.append(f"true/false: {total['True']} of {n_tf} keyed True "
                        f"(between a third and two thirds)")

    print(f"multiple-select: {right_first} of {n_multiple} list every right option first")
    if n_multiple and right_first * 2 > n_multiple:
        problems.append(f"{right_first} of {n_multiple} multiple-select questions list every "
                        f"right option first (at most half)")

    if not n_single and not n_tf and not n_multiple:
        problems.append(f"no questions found in {quiz_dir}/questions")
    for p in problems:
        print("FAIL", p)
    print(f"{len(problems)} cue problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
