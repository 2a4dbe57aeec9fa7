"""The sandbox case runner's own checks (issue 16): a case without an `# expect:` line, or
with an item that is not a known key=value, is refused before it runs, instead of passing
without checking anything. Usage: python3 test_run_cases.py"""
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run_cases  # noqa: E402


class HeaderTest(unittest.TestCase):
    def header(self, text):
        with tempfile.TemporaryDirectory() as d:
            path = pathlib.Path(d, "case.py")
            path.write_text(text)
            return run_cases.header(path)

    def test_no_expect_line_is_refused(self):
        _, _, problems = self.header("print(1)\n")
        self.assertEqual(len(problems), 1)
        self.assertIn("no # expect: line", problems[0])

    def test_unknown_key_is_refused(self):
        _, expect, problems = self.header("# expect: status=ok stauts=ok\nprint(1)\n")
        self.assertEqual(expect, {"status": "ok"})
        self.assertIn("unknown expect key 'stauts'", problems[0])

    def test_item_without_value_is_refused(self):
        _, _, problems = self.header("# expect: status\n")
        self.assertIn("is not key=value", problems[0])

    def test_good_header(self):
        args, expect, problems = self.header(
            "# args: --time-limit 800\n# expect: status=limit limit=time min_monitor_callbacks=1\n")
        self.assertEqual(problems, [])
        self.assertEqual(args, ["--time-limit", "800"])
        self.assertEqual(expect, {"status": "limit", "limit": "time", "min_monitor_callbacks": "1"})

    def test_judge_refuses_unknown_key(self):
        self.assertTrue(any("unknown expect key" in p
                            for p in run_cases.judge({"status": "crash"}, {"colour": "red"})))

    def test_every_case_in_the_tree_has_a_valid_header(self):
        for case in sorted(run_cases.HERE.glob("cases/*.py")):
            with self.subTest(case=case.name):
                self.assertEqual(run_cases.header(case)[2], [])


if __name__ == "__main__":
    unittest.main()
