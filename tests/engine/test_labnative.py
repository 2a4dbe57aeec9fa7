"""labnative, the sandbox's demo native module (issue 4, "The demo native module").

Runs under `fa-learn python -m unittest`, where labnative is built in. The audit-event checks
need a fresh interpreter (a Python-level audit hook cannot be removed again): they run
`[sys.executable, "-c", code]` (fa-learn's own interpreter).
"""
import errno
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

import labnative

MIB = 1 << 20


def run_fresh(code, *args):
    """Run code in a fresh interpreter of fa-learn's (sys.executable) with args; return its
    stdout as JSON."""
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"fresh interpreter failed, rc={p.returncode}:\n{p.stderr}")
    return json.loads(p.stdout)


class LabnativeCase(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="fa-labnative-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name


class TestModule(LabnativeCase):
    def test_is_builtin_third_party_native(self):
        # It plays a third-party library: compiled in, but not stdlib (so the call monitor
        # reports it), and its functions say they come from labnative.
        self.assertIn("labnative", sys.builtin_module_names)
        self.assertNotIn("labnative", sys.stdlib_module_names)
        for name in ("write_text", "checksum", "spin"):
            fn = getattr(labnative, name)
            self.assertEqual(fn.__module__, "labnative", name)
            self.assertTrue(fn.__doc__, name)
        self.assertIn("neither", labnative.__doc__)


class TestWriteText(LabnativeCase):
    def test_writes_exact_utf8_bytes(self):
        path = os.path.join(self.tmp, "out.txt")
        text = "h\u00e9llo\nw\u00f6rld \u2713\r\n\x00end"
        n = labnative.write_text(path, text)
        want = text.encode("utf-8")
        self.assertEqual(n, len(want))
        with open(path, "rb") as f:
            self.assertEqual(f.read(), want)  # binary: no newline translation

    def test_replaces_existing_file(self):
        path = os.path.join(self.tmp, "out.txt")
        self.assertEqual(labnative.write_text(path, "a much longer first text"), 24)
        self.assertEqual(labnative.write_text(path, "short"), 5)
        self.assertEqual(pathlib.Path(path).read_bytes(), b"short")

    def test_path_types_and_empty_text(self):
        p = pathlib.Path(self.tmp, "pathlike")
        self.assertEqual(labnative.write_text(p, ""), 0)
        self.assertEqual(p.read_bytes(), b"")
        b = os.fsencode(os.path.join(self.tmp, "bytes"))
        self.assertEqual(labnative.write_text(b, "x"), 1)
        self.assertEqual(pathlib.Path(os.fsdecode(b)).read_bytes(), b"x")

    def test_size_cap(self):
        path = os.path.join(self.tmp, "big")
        self.assertEqual(labnative.write_text(path, "a" * MIB), MIB)
        with self.assertRaises(ValueError):
            labnative.write_text(path, "a" * (MIB + 1))
        # The cap is on UTF-8 bytes: fewer code points than the cap can still be too long.
        with self.assertRaises(ValueError):
            labnative.write_text(path, "\u00e9" * (MIB // 2 + 1))
        self.assertEqual(os.path.getsize(path), MIB)  # a refused write leaves the file alone

    def test_os_errors_carry_errno_and_filename(self):
        missing = os.path.join(self.tmp, "no-such-dir", "f")
        with self.assertRaises(FileNotFoundError) as cm:
            labnative.write_text(missing, "x")
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertEqual(cm.exception.filename, missing)
        with self.assertRaises(IsADirectoryError) as cm:
            labnative.write_text(self.tmp, "x")
        self.assertEqual(cm.exception.filename, self.tmp)
        p = pathlib.Path(missing)
        with self.assertRaises(OSError) as cm:
            labnative.write_text(p, "x")
        self.assertEqual(cm.exception.filename, p)  # as given, like open()

    def test_bad_arguments(self):
        path = os.path.join(self.tmp, "f")
        for args, exc in [((1, "x"), TypeError),
                          ((path, b"x"), TypeError),
                          ((path,), TypeError),
                          ((path, "x", "y"), TypeError),
                          (("bad\0name", "x"), ValueError),
                          ((path, "\udc80"), UnicodeEncodeError)]:
            with self.subTest(args=args), self.assertRaises(exc):
                labnative.write_text(*args)
        with self.assertRaises(TypeError):
            labnative.write_text(path=path, text="x")
        self.assertFalse(os.path.exists(path))

    def test_raises_no_audit_event(self):
        # The point of labnative: its write is invisible to audit hooks. The control write
        # through open() shows the recording hook does see ordinary file writes.
        out = run_fresh("""
            import json, sys, labnative
            seen = []
            recording = [False]
            def hook(event, args):
                if recording[0]:
                    seen.append(event)
            sys.addaudithook(hook)
            def record(fn):
                del seen[:]
                recording[0] = True
                try:
                    fn()
                finally:
                    recording[0] = False
                return list(seen)
            native = record(lambda: labnative.write_text(sys.argv[1], "native"))
            control = record(lambda: open(sys.argv[2], "w").close())
            print(json.dumps({"native": native, "control": control}))
        """, os.path.join(self.tmp, "native.txt"), os.path.join(self.tmp, "control.txt"))
        self.assertEqual(out["native"], [])
        self.assertIn("open", out["control"])
        self.assertEqual(pathlib.Path(self.tmp, "native.txt").read_bytes(), b"native")

    def test_write_passes_a_hook_that_denies_everything(self):
        # A hook alone cannot stop native code: only the call monitor or the jail can.
        out = run_fresh("""
            import json, sys, labnative
            def deny(event, args):
                raise PermissionError(event)
            sys.addaudithook(deny)
            result = {"native": labnative.write_text(sys.argv[1], "through")}
            try:
                open(sys.argv[2], "w")
                result["open"] = "allowed"
            except PermissionError as e:
                result["open"] = str(e)
            print(json.dumps(result))
        """, os.path.join(self.tmp, "native.txt"), os.path.join(self.tmp, "open.txt"))
        self.assertEqual(out, {"native": 7, "open": "open"})
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "native.txt")))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "open.txt")))


class TestChecksum(unittest.TestCase):
    def test_fnv1a_32(self):
        # Published FNV-1a 32-bit test vectors.
        self.assertEqual(labnative.checksum(b""), 0x811C9DC5)
        self.assertEqual(labnative.checksum(b"a"), 0xE40C292C)
        self.assertEqual(labnative.checksum(b"foobar"), 0xBF9CF968)

    def test_deterministic_and_discriminating(self):
        data = b"fa-learn" * 1000
        self.assertEqual(labnative.checksum(data), labnative.checksum(bytes(data)))
        self.assertNotEqual(labnative.checksum(b"abc"), labnative.checksum(b"abd"))
        self.assertNotEqual(labnative.checksum(b"ab"), labnative.checksum(b"ba"))
        values = {labnative.checksum(str(i)) for i in range(1000)}
        self.assertEqual(len(values), 1000)
        for v in values:
            self.assertTrue(0 <= v < 2**32)

    def test_str_is_utf8_and_buffers_are_raw_bytes(self):
        text = "h\u00e9llo \u2713"
        want = labnative.checksum(text.encode("utf-8"))
        self.assertEqual(labnative.checksum(text), want)
        for data in (bytearray(text.encode()), memoryview(text.encode())):
            self.assertEqual(labnative.checksum(data), want)
        self.assertEqual(labnative.checksum(memoryview(b"xfoobar")[1:]), 0xBF9CF968)

    def test_bad_arguments(self):
        for bad in (1, None, 1.5, ["a"]):
            with self.subTest(bad=bad), self.assertRaises(TypeError):
                labnative.checksum(bad)
        with self.assertRaises(TypeError):
            labnative.checksum()
        with self.assertRaises(TypeError):
            labnative.checksum(b"a", b"b")
        with self.assertRaises(UnicodeEncodeError):
            labnative.checksum("\udc80")
        with self.assertRaises(BufferError):  # not contiguous
            labnative.checksum(memoryview(b"abcd")[::2])


class TestSpin(unittest.TestCase):
    def test_counts_to_n(self):
        for n in (0, 1, 12345, 10**6):
            with self.subTest(n=n):
                self.assertEqual(labnative.spin(n), n)
        self.assertEqual(labnative.spin(True), 1)  # an int, like range() accepts

    def test_bounds(self):
        for bad in (-1, 10**9 + 1, 2**64, -(2**70)):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                labnative.spin(bad)

    def test_bad_types(self):
        for bad in (1.0, "3", None, b"1"):
            with self.subTest(bad=bad), self.assertRaises(TypeError):
                labnative.spin(bad)
        with self.assertRaises(TypeError):
            labnative.spin()


if __name__ == "__main__":
    unittest.main()
