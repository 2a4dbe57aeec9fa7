"""Issue #3, rules 2 and 3: allowed roots and path-checked events, with real file operations."""
import os
import pathlib
import shutil
import sqlite3
import sys
import tempfile
import unittest
import zipfile  # noqa: F401 - imported outside the contexts (make_archive/unpack use it)

import fastaudit
from helpers import EngineTestCase, attempt, first_line, read

FIRST_PATH = ["os.chmod", "os.chown", "os.chflags", "os.mkdir", "os.remove", "os.removexattr",
              "os.rmdir", "os.setxattr", "shutil.chown", "shutil.make_archive", "shutil.rmtree",
              "sqlite3.connect", "tempfile.mkdtemp", "tempfile.mkstemp"]
DEST_PATH = ["shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
             "sqlite3.load_extension"]
BOTH_PATHS = ["os.link", "os.rename", "os.symlink", "shutil.move", "shutil.unpack_archive"]


class TestPathTable(EngineTestCase):
    """Every path-checked event of the issue, raised with sys.audit and real-looking args."""

    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.i = os.path.join(self.root, "a")
        self.o = os.path.join(self.out, "a")

    def test_first_path_checked(self):
        for ev in FIRST_PATH:
            with self.subTest(event=ev):
                self.allow_in(self.ap, sys.audit, ev, self.i, 0, what=f"{ev} inside")
                # Only the first argument counts: a second path outside is ignored.
                self.allow_in(self.ap, sys.audit, ev, self.i, self.o, what=f"{ev} inside+2nd")
                self.deny_in(self.ap, ev, sys.audit, ev, self.o, 0, path=True)
                self.deny_in(self.ap, ev, sys.audit, ev, self.o, self.i, path=True)

    def test_destination_checked(self):
        for ev in DEST_PATH:
            with self.subTest(event=ev):
                self.allow_in(self.ap, sys.audit, ev, self.o, self.i, what=f"{ev} out->in")
                self.deny_in(self.ap, ev, sys.audit, ev, self.i, self.o, path=True)

    def test_both_checked(self):
        for ev in BOTH_PATHS:
            with self.subTest(event=ev):
                self.allow_in(self.ap, sys.audit, ev, self.i, self.i + "2", what=f"{ev} in->in")
                self.deny_in(self.ap, ev, sys.audit, ev, self.i, self.o, path=True)
                self.deny_in(self.ap, ev, sys.audit, ev, self.o, self.i, path=True)

    def test_path_message_names_event_path_and_roots(self):
        e = self.deny_in(self.ap, "os.remove", sys.audit, "os.remove", self.o, -1, path=True)
        line = first_line(e)
        self.assertTrue(line.startswith(f"os.remove {self.o!r} not in "), line)
        self.assertTrue(line.endswith(repr([self.root])), line)


class TestOpen(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.outside = self.make_file(self.out, "f.txt")
        self.inside = self.make_file(self.root, "f.txt")

    def test_write_modes_outside_denied(self):
        for mode in ("w", "a", "x", "r+", "wb", "ab", "rb+", "w+", "a+", "xb"):
            with self.subTest(mode=mode):
                target = self.outside if "x" not in mode else os.path.join(self.out, "new")
                e = self.deny_in(self.ap, "open", open, target, mode, path=True)
                self.assertIn(os.path.basename(target), first_line(e))
        with open(self.outside) as f:
            self.assertEqual(f.read(), "data", "a denied open truncated the file")
        self.assertFalse(os.path.exists(os.path.join(self.out, "new")))

    def test_write_modes_inside_allowed(self):
        for mode in ("w", "a", "r+", "wb", "ab", "w+", "a+"):
            with self.subTest(mode=mode):
                self.allow_in(self.ap, lambda: open(self.inside, mode).close(), what=mode)
        self.allow_in(self.ap, lambda: open(os.path.join(self.root, "new"), "x").close())

    def test_reads_allowed_anywhere(self):
        for mode in ("r", "rb", "rt", "br"):
            with self.subTest(mode=mode):
                r = self.allow_in(self.ap, read, self.outside, mode, what=mode)
                self.assertIn(r, ("data", b"data"))
        self.allow_in(self.ap, lambda: pathlib.Path(self.outside).read_text())
        self.allow_in(self.ap, read, "/etc/passwd")

    def test_temporary_files_judged_by_their_folder(self):
        # TemporaryFile opens the folder with O_TMPFILE, NamedTemporaryFile opens the folder
        # through an opener: the event names the folder, which must itself lie in a root.
        def make(factory, folder):
            with factory(dir=folder) as f:
                f.write(b"x")
            return "made"
        for factory in (tempfile.TemporaryFile, tempfile.NamedTemporaryFile):
            with self.subTest(factory=factory.__name__):
                self.assertEqual(self.allow_in(self.ap, make, factory, self.root), "made")
                self.deny_in(self.ap, "open", make, factory, self.out, path=True)
        self.assertEqual(os.listdir(self.out), ["f.txt"], "a denied temporary file was made")

    def test_write_to_a_descriptor_is_not_a_path(self):
        fd = os.open(self.outside, os.O_WRONLY)
        try:
            self.allow_in(self.ap, lambda: open(fd, "w", closefd=False).close())
        finally:
            os.close(fd)

    def test_os_open_flags(self):
        # mode None (os.open): any of these flags is a write.
        for name in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"):
            flag = getattr(os, name)
            with self.subTest(flag=name):
                self.deny_in(self.ap, "open", os.open, self.outside, flag, path=True)
                fd = self.allow_in(self.ap, os.open, self.inside, flag, what=name)
                os.close(fd)
        fd = self.allow_in(self.ap, os.open, self.outside, os.O_RDONLY | os.O_CLOEXEC)
        os.close(fd)
        self.assertEqual(read(self.outside), "data")

    def test_pathlib_write_and_nested(self):
        self.allow_in(self.ap, pathlib.Path(self.root, "p.txt").write_text, "hi")
        self.deny_in(self.ap, "open", pathlib.Path(self.out, "p.txt").write_text, "hi", path=True)
        self.assertFalse(os.path.exists(os.path.join(self.out, "p.txt")))

    def test_parent_that_does_not_exist(self):
        # Inside a root the policy allows and the OS answers; outside the policy denies first.
        _, e = self.run_in(self.ap, open, os.path.join(self.root, "nodir", "f"), "w")
        self.assertIsInstance(e, FileNotFoundError)
        self.deny_in(self.ap, "open", open, os.path.join(self.out, "nodir", "f"), "w", path=True)

    def test_sibling_with_root_as_prefix_is_outside(self):
        sibling = self.root + "2"
        os.mkdir(sibling)
        self.deny_in(self.ap, "open", open, os.path.join(sibling, "f"), "w", path=True)
        self.assertFalse(os.path.exists(os.path.join(sibling, "f")))

    def test_dotdot_traversal_resolved(self):
        sneaky = os.path.join(self.root, "..", "out", "g")
        self.deny_in(self.ap, "open", open, sneaky, "w", path=True)
        back_in = os.path.join(self.out, "..", "root", "g")
        self.allow_in(self.ap, lambda: open(back_in, "w").close())

    def test_symlinks_resolved(self):
        link_out = os.path.join(self.root, "to_out")
        os.symlink(self.out, link_out)       # created outside the context
        alias = os.path.join(self.tmp, "alias")
        os.symlink(self.root, alias)
        self.deny_in(self.ap, "open", open, os.path.join(link_out, "f"), "w", path=True)
        self.assertFalse(os.path.exists(os.path.join(self.out, "f")))
        self.allow_in(self.ap, lambda: open(os.path.join(alias, "f"), "w").close())
        self.assertTrue(os.path.exists(os.path.join(self.root, "f")))

    def test_root_itself_is_inside(self):
        # parent == root: allowed; the root's own parent: not.
        self.allow_in(self.ap, os.mkdir, os.path.join(self.root, "d"))
        self.deny_in(self.ap, "os.rmdir", os.rmdir, self.root, path=True)
        self.assertTrue(os.path.isdir(self.root))


class TestRootsResolution(EngineTestCase):
    def test_roots_resolved_at_mk_audit_time(self):
        a, b = os.path.join(self.tmp, "A"), os.path.join(self.tmp, "B")
        os.mkdir(a)
        os.mkdir(b)
        link = os.path.join(self.tmp, "link")
        os.symlink(a, link)
        ap = fastaudit.mk_audit(hardened=True, oks=[link])
        os.remove(link)
        os.symlink(b, link)   # now points elsewhere; the root stays A
        e = self.deny_in(ap, "open", open, os.path.join(link, "f"), "w", path=True)
        self.assertIn(repr(a), first_line(e))
        self.allow_in(ap, lambda: open(os.path.join(a, "f"), "w").close())

    def test_relative_root_resolved_once(self):
        os.chdir(self.tmp)
        ap = fastaudit.mk_audit(hardened=True, oks=["root"])
        os.chdir(self.out)    # a relative root does not follow the cwd (only '.' does)
        self.allow_in(ap, lambda: open(os.path.join(self.root, "f"), "w").close())
        self.deny_in(ap, "open", open, os.path.join(self.out, "f"), "w", path=True)
        self.deny_in(ap, "open", open, "f", "w", path=True)

    def test_expanduser(self):
        old = os.environ.get("HOME")

        def restore():
            if old is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = old

        self.addCleanup(restore)
        os.environ["HOME"] = self.tmp
        ap = fastaudit.mk_audit(hardened=True, oks=["~/root"])
        restore()   # taken at mk_audit time: changing HOME later changes nothing
        e = self.deny_in(ap, "open", open, os.path.join(self.out, "f"), "w", path=True)
        self.assertIn(repr(self.root), first_line(e))
        self.allow_in(ap, lambda: open(os.path.join(self.root, "f"), "w").close())

    def test_trailing_separator_and_bytes_and_pathlike_roots(self):
        for root in (self.root + "/", os.fsencode(self.root), pathlib.Path(self.root)):
            with self.subTest(root=root):
                ap = fastaudit.mk_audit(hardened=True, oks=[root])
                self.allow_in(ap, lambda: open(os.path.join(self.root, "f"), "w").close())
                self.deny_in(ap, "open", open, os.path.join(self.out, "f"), "w", path=True)

    def test_several_roots(self):
        other = os.path.join(self.tmp, "other")
        os.mkdir(other)
        ap = fastaudit.mk_audit(hardened=True, oks=[self.root, other])
        self.allow_in(ap, lambda: open(os.path.join(self.root, "f"), "w").close())
        self.allow_in(ap, lambda: open(os.path.join(other, "f"), "w").close())
        e = self.deny_in(ap, "open", open, os.path.join(self.out, "f"), "w", path=True)
        self.assertTrue(first_line(e).endswith(repr([self.root, other])), first_line(e))

    def test_no_roots_denies_every_write(self):
        ap = fastaudit.mk_audit(hardened=True, oks=[])
        self.deny_in(ap, "open", open, os.path.join(self.root, "f"), "w", path=True)
        existing = self.make_file(self.out, "r")
        self.allow_in(ap, lambda: open(existing).close())


class TestDotRoot(EngineTestCase):
    """'.' is the current directory at the moment of each check."""

    def setUp(self):
        super().setUp()
        self.sub = os.path.join(self.root, "sub")
        os.mkdir(self.sub)
        self.ap = fastaudit.mk_audit(hardened=True, oks=["."])
        os.chdir(self.root)   # outside the context: free

    def test_dot_follows_allowed_chdir(self):
        ap, root, sub, out = self.ap, self.root, self.sub, self.out
        with ap():
            r1 = attempt(lambda: open("f", "w").close())
            r2 = attempt(open, os.path.join(out, "f"), "w")
            r3 = attempt(os.chdir, "sub")              # destination inside '.' (= root)
            r4 = attempt(lambda: open("g", "w").close())
            r5 = attempt(open, os.path.join(root, "h"), "w")   # root is no longer inside '.'
            r6 = attempt(os.chdir, "..")               # back up: outside '.' (= root/sub)
            r7 = attempt(os.chdir, out)
            cwd = os.getcwd()
        self.assertAllowed(r1[1], "open('f', 'w') in cwd")
        self.assertDenied(r2[1], "open", path=True)
        self.assertAllowed(r3[1], "os.chdir('sub')")
        self.assertAllowed(r4[1], "open('g', 'w') in new cwd")
        self.assertDenied(r5[1], "open", path=True)
        self.assertIn(repr([sub]), first_line(r5[1]), "'.' shown resolved at check time")
        self.assertDenied(r6[1], "os.chdir", path=True)
        self.assertDenied(r7[1], "os.chdir", path=True)
        self.assertEqual(cwd, sub)
        self.assertTrue(os.path.exists(os.path.join(root, "f")))
        self.assertTrue(os.path.exists(os.path.join(sub, "g")))
        self.assertFalse(os.path.exists(os.path.join(root, "h")))

    def test_dot_root_message_shows_current_directory(self):
        e = self.deny_in(self.ap, "os.remove", os.remove, os.path.join(self.out, "x"), path=True)
        self.assertIn(repr([self.root]), first_line(e))
        self.assertNotIn("'.'", first_line(e))


class TestChdir(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        os.mkdir(os.path.join(self.root, "d"))

    def test_chdir_destination_itself_checked(self):
        # The root itself is a valid destination (its parent is not inside, but chdir
        # checks the destination, not its parent).
        self.allow_in(self.ap, os.chdir, self.root)
        self.allow_in(self.ap, os.chdir, os.path.join(self.root, "d"))
        self.deny_in(self.ap, "os.chdir", os.chdir, self.out, path=True)
        self.deny_in(self.ap, "os.chdir", os.chdir, self.tmp, path=True)
        self.deny_in(self.ap, "os.chdir", os.chdir, "/", path=True)
        os.chdir(self.root)
        _, e = self.run_in(self.ap, os.chdir, "..")
        self.assertDenied(e, "os.chdir", path=True)
        self.assertEqual(os.getcwd(), self.root, "a denied chdir moved the process")


class TestRealPathOperations(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.in_f = self.make_file(self.root, "in.txt")
        self.out_f = self.make_file(self.out, "out.txt")

    def j(self, *p):
        return os.path.join(*p)

    def test_remove(self):
        self.deny_in(self.ap, "os.remove", os.remove, self.out_f, path=True)
        self.assertTrue(os.path.exists(self.out_f))
        self.allow_in(self.ap, os.remove, self.in_f)
        self.assertFalse(os.path.exists(self.in_f))
        self.deny_in(self.ap, "os.remove", os.unlink, self.out_f, path=True)

    def test_mkdir_rmdir(self):
        self.deny_in(self.ap, "os.mkdir", os.mkdir, self.j(self.out, "d"), path=True)
        self.allow_in(self.ap, os.mkdir, self.j(self.root, "d"))
        self.allow_in(self.ap, os.rmdir, self.j(self.root, "d"))
        os.mkdir(self.j(self.out, "d2"))
        self.deny_in(self.ap, "os.rmdir", os.rmdir, self.j(self.out, "d2"), path=True)
        self.allow_in(self.ap, os.makedirs, self.j(self.root, "x", "y", "z"))
        self.deny_in(self.ap, "os.mkdir", os.makedirs, self.j(self.out, "x", "y"), path=True)

    def test_chmod_chown(self):
        self.deny_in(self.ap, "os.chmod", os.chmod, self.out_f, 0o600, path=True)
        self.allow_in(self.ap, os.chmod, self.in_f, 0o600)
        self.deny_in(self.ap, "os.chown", os.chown, self.out_f, -1, -1, path=True)
        self.allow_in(self.ap, os.chown, self.in_f, -1, -1)
        self.deny_in(self.ap, "shutil.chown", shutil.chown, self.out_f, user=os.getuid(),
                     path=True)
        self.allow_in(self.ap, shutil.chown, self.in_f, user=os.getuid())

    def test_copy_destination_checked(self):
        # Source outside is fine (a read); only the destination matters.
        self.allow_in(self.ap, shutil.copy, self.out_f, self.j(self.root, "copy.txt"))
        self.assertTrue(os.path.exists(self.j(self.root, "copy.txt")))
        self.deny_in(self.ap, "shutil.copyfile", shutil.copy, self.in_f,
                     self.j(self.out, "copy.txt"), path=True)
        self.assertFalse(os.path.exists(self.j(self.out, "copy.txt")))
        self.allow_in(self.ap, shutil.copy2, self.out_f, self.j(self.root, "copy2.txt"))
        self.deny_in(self.ap, "shutil.copymode", shutil.copymode, self.in_f, self.out_f,
                     path=True)
        self.deny_in(self.ap, "shutil.copystat", shutil.copystat, self.in_f, self.out_f,
                     path=True)
        self.allow_in(self.ap, shutil.copymode, self.out_f, self.in_f)

    def test_copytree(self):
        src = self.j(self.out, "tree")
        os.makedirs(self.j(src, "sub"))
        self.make_file(src, "sub", "f")
        self.allow_in(self.ap, shutil.copytree, src, self.j(self.root, "tree"))
        self.assertTrue(os.path.exists(self.j(self.root, "tree", "sub", "f")))
        self.deny_in(self.ap, "shutil.copytree", shutil.copytree, self.j(self.root, "tree"),
                     self.j(self.out, "tree2"), path=True)
        self.assertFalse(os.path.exists(self.j(self.out, "tree2")))

    def test_rename_touching_an_outside_path(self):
        self.deny_in(self.ap, "os.rename", os.rename, self.in_f, self.j(self.out, "moved"),
                     path=True)
        self.deny_in(self.ap, "os.rename", os.rename, self.out_f, self.j(self.root, "moved"),
                     path=True)
        self.assertTrue(os.path.exists(self.in_f) and os.path.exists(self.out_f))
        self.allow_in(self.ap, os.rename, self.in_f, self.j(self.root, "renamed"))
        self.deny_in(self.ap, "os.rename", os.replace, self.j(self.root, "renamed"),
                     self.out_f, path=True)
        self.assertEqual(read(self.out_f), "data")

    def test_shutil_move(self):
        self.deny_in(self.ap, "shutil.move", shutil.move, self.in_f, self.j(self.out, "m"),
                     path=True)
        self.deny_in(self.ap, "shutil.move", shutil.move, self.out_f, self.j(self.root, "m"),
                     path=True)
        self.allow_in(self.ap, shutil.move, self.in_f, self.j(self.root, "m"))

    def test_links(self):
        self.allow_in(self.ap, os.link, self.in_f, self.j(self.root, "hard"))
        self.deny_in(self.ap, "os.link", os.link, self.in_f, self.j(self.out, "hard"), path=True)
        self.deny_in(self.ap, "os.link", os.link, self.out_f, self.j(self.root, "hard2"),
                     path=True)
        self.allow_in(self.ap, os.symlink, self.in_f, self.j(self.root, "soft"))
        # Both checked: a link inside a root pointing outside is denied too.
        self.deny_in(self.ap, "os.symlink", os.symlink, self.out_f, self.j(self.root, "soft2"),
                     path=True)
        self.deny_in(self.ap, "os.symlink", os.symlink, self.in_f, self.j(self.out, "soft3"),
                     path=True)
        self.assertFalse(os.path.lexists(self.j(self.root, "soft2")))

    def test_truncate(self):
        fd = os.open(self.out_f, os.O_RDWR)   # opened outside the context
        try:
            self.allow_in(self.ap, os.truncate, fd, 1)   # a descriptor is allowed
            self.allow_in(self.ap, os.ftruncate, fd, 1)
        finally:
            os.close(fd)
        self.assertEqual(os.path.getsize(self.out_f), 1)
        self.deny_in(self.ap, "os.truncate", os.truncate, self.out_f, 0, path=True)
        self.assertEqual(os.path.getsize(self.out_f), 1)
        self.allow_in(self.ap, os.truncate, self.in_f, 0)
        self.assertEqual(os.path.getsize(self.in_f), 0)

    def test_rmtree(self):
        os.mkdir(self.j(self.out, "gone"))
        self.deny_in(self.ap, "shutil.rmtree", shutil.rmtree, self.j(self.out, "gone"),
                     path=True)
        self.assertTrue(os.path.isdir(self.j(self.out, "gone")))
        os.mkdir(self.j(self.root, "gone"))
        self.allow_in(self.ap, shutil.rmtree, self.j(self.root, "gone"))
        self.assertFalse(os.path.exists(self.j(self.root, "gone")))

    def test_archives(self):
        arc = shutil.make_archive(self.j(self.tmp, "arc"), "zip", self.out)  # outside
        self.deny_in(self.ap, "shutil.make_archive", shutil.make_archive, self.j(self.out, "a"),
                     "zip", self.root, path=True)
        self.allow_in(self.ap, shutil.make_archive, self.j(self.root, "a"), "zip", self.out)
        self.assertTrue(os.path.exists(self.j(self.root, "a.zip")))
        self.deny_in(self.ap, "shutil.unpack_archive", shutil.unpack_archive, arc,
                     self.j(self.out, "x"), path=True)
        self.deny_in(self.ap, "shutil.unpack_archive", shutil.unpack_archive, arc,
                     self.j(self.root, "x"), path=True)   # the archive lies outside
        inside_arc = self.j(self.root, "a.zip")
        self.allow_in(self.ap, shutil.unpack_archive, inside_arc, self.j(self.root, "x"))
        self.assertTrue(os.path.exists(self.j(self.root, "x", "out.txt")))

    def test_sqlite_connect(self):
        con = self.allow_in(self.ap, sqlite3.connect, self.j(self.root, "db"))
        con.close()
        self.deny_in(self.ap, "sqlite3.connect", sqlite3.connect, self.j(self.out, "db"),
                     path=True)
        self.assertFalse(os.path.exists(self.j(self.out, "db")))

    def test_tempfile(self):
        d = self.allow_in(self.ap, tempfile.mkdtemp, dir=self.root)
        self.assertTrue(d.startswith(self.root))
        self.deny_in(self.ap, "tempfile.mkdtemp", tempfile.mkdtemp, dir=self.out, path=True)
        fd, p = self.allow_in(self.ap, tempfile.mkstemp, dir=self.root)
        os.close(fd)
        self.deny_in(self.ap, "tempfile.mkstemp", tempfile.mkstemp, dir=self.out, path=True)
        self.assertEqual(os.listdir(self.out), ["out.txt"])

    def test_bytes_and_pathlike_paths(self):
        for conv in (os.fsencode, pathlib.Path):
            with self.subTest(conv=conv.__name__):
                self.deny_in(self.ap, "os.remove", os.remove, conv(self.out_f), path=True)
                self.deny_in(self.ap, "open", open, conv(self.out_f), "w", path=True)
                self.allow_in(self.ap, lambda: open(conv(self.j(self.root, "b")), "w").close())
                self.allow_in(self.ap, os.remove, conv(self.j(self.root, "b")))
                self.deny_in(self.ap, "os.rename", os.rename, conv(self.in_f),
                             conv(self.j(self.out, "r")), path=True)

    def test_custom_pathlike(self):
        class P:
            def __init__(self, p):
                self.p = p

            def __fspath__(self):
                return self.p

        self.deny_in(self.ap, "os.remove", os.remove, P(self.out_f), path=True)
        self.deny_in(self.ap, "os.mkdir", os.mkdir, P(os.fsencode(self.j(self.out, "d"))),
                     path=True)
        self.allow_in(self.ap, os.mkdir, P(self.j(self.root, "d")))


if __name__ == "__main__":
    unittest.main()
