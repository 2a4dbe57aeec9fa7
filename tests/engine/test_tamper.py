"""Issue #3, semantics rule 1 and the Tests section: from INSIDE an active context, try to
switch the policy off or widen it. Each test asserts a trick the engine resists; the tricks it
cannot resist in-process are not written as passing tests (they belong in sandbox/README.md)."""
import builtins
import contextvars
import gc
import os
import sys
import unittest

import fastaudit
from helpers import EngineTestCase, attempt, entries, proc_report, run_fresh, tracing


def write(path):
    with open(path, "w") as f:
        f.write("x")


AUDIT_STATE = fastaudit.audit_state   # kept before any test replaces module attributes


class TamperCase(EngineTestCase):
    def setUp(self):
        super().setUp()
        self.ap = fastaudit.mk_audit(hardened=True, oks=[self.root])
        self.target = os.path.join(self.out, "escaped")

    def still_enforced(self):
        """Called inside the context after a trick: returns what the checks saw."""
        return {
            "active": AUDIT_STATE()["active"],
            "write_out": attempt(write, self.target)[1],
            "system": attempt(os.system, "true")[1],
            "write_in": attempt(write, os.path.join(self.root, "ok"))[1],
        }

    def assertEnforced(self, seen):
        self.assertDenied(seen["write_out"], "open", path=True)
        self.assertDenied(seen["system"], "os.system")
        self.assertIsNone(seen["write_in"], "the trick broke allowed operations")
        self.assertTrue(seen["active"], "audit_state() says the policy is off")
        self.assertFalse(os.path.exists(self.target))


class TestModuleTricks(TamperCase):
    def test_replace_module_attributes(self):
        saved = dict(vars(fastaudit))
        self.addCleanup(lambda: (vars(fastaudit).clear(), vars(fastaudit).update(saved)))
        with self.ap():
            for name in list(saved):
                if not name.startswith("__"):
                    attempt(setattr, fastaudit, name, None)
            fastaudit.audit_state = lambda: {"active": False}
            seen = self.still_enforced()
        self.assertEnforced(seen)

    def test_clear_module_dict(self):
        saved = dict(vars(fastaudit))
        self.addCleanup(lambda: vars(fastaudit).update(saved))
        with self.ap():
            vars(fastaudit).clear()
            seen = self.still_enforced()
        self.assertEnforced(seen)

    def test_sys_modules_tricks_fresh_interpreter(self):
        code = f"""
            import sys, os, importlib, types
            import fastaudit
            ap = fastaudit.mk_audit(hardened=True, oks=[{self.root!r}])
            def check(tag):
                try:
                    open({self.target!r}, "w").close()
                    print(tag, "ESCAPED")
                except PermissionError:
                    print(tag, "denied")
            with ap():
                del sys.modules["fastaudit"]
                check("deleted")
                # A second load either fails or yields a module that sees the same policy.
                try:
                    import fastaudit as again
                    print("reimported-active", again.audit_state()["active"])
                except ImportError:
                    print("reimported-active True (refused)")
                check("reimported")
                sys.modules["fastaudit"] = types.ModuleType("fastaudit")
                check("fake")
                sys.modules["fastaudit"] = fastaudit
                try:
                    importlib.reload(fastaudit)
                except Exception as e:
                    print("reload raised", type(e).__name__)
                check("reloaded")
            print("after", fastaudit.audit_state()["active"])
        """
        p = run_fresh(code, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        out = p.stdout
        self.assertNotIn("ESCAPED", out)
        for tag in ("deleted", "reimported", "fake", "reloaded"):
            self.assertIn(f"{tag} denied", out)
        self.assertIn("reimported-active True", out)
        self.assertIn("after False", out)
        self.assertFalse(os.path.exists(self.target))

    def test_replace_builtins_and_os_helpers(self):
        # The engine uses no Python-level helper: patching them changes nothing.
        saved = {"PermissionError": builtins.PermissionError, "realpath": os.path.realpath,
                 "abspath": os.path.abspath, "dirname": os.path.dirname,
                 "fsdecode": os.fsdecode, "fspath": os.fspath, "getcwd": os.getcwd,
                 "expanduser": os.path.expanduser, "sep": os.sep}

        def restore():
            builtins.PermissionError = saved["PermissionError"]
            os.path.realpath, os.path.abspath = saved["realpath"], saved["abspath"]
            os.path.dirname, os.fsdecode = saved["dirname"], saved["fsdecode"]
            os.fspath, os.getcwd = saved["fspath"], saved["getcwd"]
            os.path.expanduser, os.sep = saved["expanduser"], saved["sep"]

        self.addCleanup(restore)
        root = self.root
        with self.ap():
            builtins.PermissionError = KeyError
            os.path.realpath = os.path.abspath = lambda p, *a, **k: root
            os.path.dirname = lambda p: root
            os.fsdecode = os.fspath = lambda p: os.path.join(root, "x")
            os.getcwd = lambda: root
            os.sep = "|"
            seen = {"write_out": attempt(write, self.target)[1],
                    "system": attempt(os.system, "true")[1]}
            restore()
        self.assertIsInstance(seen["write_out"], saved["PermissionError"])
        self.assertDenied(seen["write_out"], "open", path=True)
        self.assertDenied(seen["system"], "os.system")
        self.assertFalse(os.path.exists(self.target))


class TestIntrospection(TamperCase):
    def test_configs_are_opaque(self):
        ap = self.ap
        for obj in (ap,):
            with self.subTest(obj=type(obj).__name__):
                self.assertFalse(hasattr(obj, "__dict__"), f"{obj!r} has a __dict__")
                for name in ("oks", "roots", "before_deny", "data", "cfg", "config"):
                    _, e = attempt(setattr, obj, name, None)
                    self.assertIsInstance(e, (AttributeError, TypeError), name)

    def test_gc_does_not_list_configs_or_entries(self):
        ap = self.ap
        outside = dict(contextvars.copy_context().items())
        with ap():
            inside = dict(contextvars.copy_context().items())
            entries_ = [v for k, v in inside.items() if outside.get(k, None) is not v]
            objs = gc.get_objects()
            found_ap = any(o is ap for o in objs)
            found_entries = [type(v).__name__ for v in entries_ if any(o is v for o in objs)]
            del objs
        self.assertEqual(len(entries_), 1, "the engine's ContextVar value was not singled out")
        self.assertFalse(found_ap, "gc.get_objects() lists the audit_perms config")
        self.assertEqual(found_entries, [], "gc.get_objects() lists the engine's entries")
        for name in ("config", "cfg", "oks", "roots", "before_deny"):
            self.assertIsInstance(attempt(setattr, entries_[0], name, None)[1],
                                  (AttributeError, TypeError), name)

    def test_gc_search_and_mutate(self):
        root, out = self.root, self.out
        with self.ap():
            touched = 0
            for o in gc.get_objects():
                try:
                    if isinstance(o, list) and root in o:
                        o.append(out)
                        o.append("/")
                        touched += 1
                    elif isinstance(o, dict) and root in o.values():
                        for k, v in list(o.items()):
                            if v == root:
                                o[k] = "/"
                        touched += 1
                    elif isinstance(o, set) and root in o:
                        o.add(out)
                        touched += 1
                except Exception:
                    pass
            for o in gc.get_referrers(self.ap) + gc.get_referents(self.ap):
                if isinstance(o, dict):
                    for k in [k for k, v in o.items() if v is self.ap and k != "ap"]:
                        o[k] = None
            seen = self.still_enforced()
        self.assertEnforced(seen)

    def test_frame_walking(self):
        ap = self.ap
        engine_frames = []

        def before_deny(event, args, frame, msg, data, calls):
            f = sys._getframe()
            while f is not None:
                if "fastaudit" in f.f_code.co_filename or \
                        f.f_globals.get("__name__") == "fastaudit":
                    engine_frames.append(f.f_code.co_qualname)
                f = f.f_back
            return False

        probe = fastaudit.mk_audit(hardened=True, oks=[self.root], before_deny=before_deny)
        with probe():
            attempt(os.system, "true")
        self.assertEqual(engine_frames, [], "engine frames are visible on the stack")

        with ap():
            f = sys._getframe()
            replaced = 0
            while f is not None:
                if f.f_globals.get("__name__") == __name__:
                    for k, v in list(f.f_locals.items()):
                        if v is ap:
                            f.f_locals[k] = None
                            replaced += 1
                f = f.f_back
            seen = self.still_enforced()
        self.assertEnforced(seen)
        self.assertGreaterEqual(replaced, 1, "the trick did not even find the config")


class TestContextVarTampering(TamperCase):
    def engine_var(self):
        """The engine's ContextVar, found the way sandboxed code would find it."""
        outside = dict(contextvars.copy_context().items())
        with self.ap():
            inside = dict(contextvars.copy_context().items())
        found = [v for v in inside if v not in outside or outside[v] is not inside[v]]
        self.assertEqual(len(found), 1, f"cannot single out the engine's ContextVar: {found}")
        return found[0]

    def tamper_with(self, value):
        var = self.engine_var()
        with tracing():
            with self.ap():
                before = attempt(os.listdir, self.out)[1]
                var.set(value)
                seen = {
                    "listdir": attempt(os.listdir, self.out)[1],        # normally allowed
                    "compile": attempt(compile, "1", "<t>", "eval")[1],  # normally allowed
                    "write_out": attempt(write, self.target)[1],
                    "write_in": attempt(write, os.path.join(self.root, "f"))[1],
                }
        after = attempt(os.listdir, self.out)[1]
        self.assertIsNone(before)
        for what, e in seen.items():
            with self.subTest(op=what):
                self.assertIsInstance(e, PermissionError, f"{what} after tampering: {e!r}")
                self.assertIn("tampered", str(e))
        self.assertFalse(os.path.exists(self.target))
        self.assertFalse(os.path.exists(os.path.join(self.root, "f")))
        self.assertIsNone(after, "the context exit did not restore the previous state")
        self.assertFalse(fastaudit.audit_state()["active"])
        tampered = entries(cls="tampered")
        self.assertGreaterEqual(len(tampered), 4, fastaudit.trace())
        self.assertTrue(all(t["decision"] == "deny" for t in tampered))

    def test_set_to_none(self):
        self.tamper_with(None)

    def test_set_to_foreign_object(self):
        self.tamper_with(object())

    def test_set_to_lookalike(self):
        class Fake:
            oks = ("/",)
            before_deny = staticmethod(lambda *a: True)
            monitor_calls = False

        self.tamper_with(Fake())

    def test_tampering_in_a_copy_stays_in_the_copy(self):
        var = self.engine_var()
        with self.ap():
            ctx = contextvars.copy_context()
            ctx.run(var.set, None)
            in_copy = ctx.run(attempt, os.listdir, self.out)[1]
            here = attempt(os.listdir, self.out)[1]
            denied_here = attempt(write, self.target)[1]
        self.assertIsInstance(in_copy, PermissionError)
        self.assertIn("tampered", str(in_copy))
        self.assertIsNone(here)
        self.assertDenied(denied_here, "open", path=True)


class TestContextTricks(TamperCase):
    def test_empty_context_run(self):
        # contextvars.Context().run(f): f runs in a context where the engine's variable was
        # never set, synchronously inside the `with` block.
        with self.ap():
            seen = {
                "write_out": contextvars.Context().run(attempt, write, self.target)[1],
                "system": contextvars.Context().run(attempt, os.system, "true")[1],
                "write_in": contextvars.Context().run(
                    attempt, write, os.path.join(self.root, "ok"))[1],
                "active": AUDIT_STATE()["active"],
            }
        self.assertEnforced(seen)

    def test_reset_the_engines_token_found_by_gc(self):
        var = TestContextVarTampering.engine_var(self)
        exit_exc = None
        try:
            with self.ap():
                for tok in [o for o in gc.get_objects() if type(o) is contextvars.Token]:
                    if tok.var is var:
                        attempt(var.reset, tok)
                after = {"write_out": attempt(write, self.target)[1],
                         "listdir": attempt(os.listdir, self.out)[1]}
        except RuntimeError as e:     # the engine may report the spent token at exit
            exit_exc = e
        self.assertIsInstance(after["write_out"], PermissionError)
        self.assertIsInstance(after["listdir"], PermissionError, "policy off after the reset")
        self.assertIn("tampered", str(after["listdir"]))
        self.assertFalse(os.path.exists(self.target))
        # Whatever the exit did, the engine is consistent afterwards.
        st = AUDIT_STATE()
        self.assertFalse(st["active"], exit_exc)
        self.assertEqual(st["monitor_on"], 0)
        self.assertIsNone(attempt(write, self.target)[1])

    def test_set_var_to_another_configs_entry(self):
        wide = fastaudit.mk_audit(hardened=True, oks=[self.out], monitor_calls=False)
        var = TestContextVarTampering.engine_var(self)
        with wide():
            wide_entry = var.get()
        with self.ap():
            var.set(wide_entry)
            e = attempt(write, self.target)[1]
        self.assertIsInstance(e, PermissionError)
        self.assertFalse(os.path.exists(self.target))

    def test_no_engine_object_reachable_through_gc(self):
        with self.ap():
            found = [type(o).__name__ for o in gc.get_objects()
                     if type(o).__module__ == "fastaudit"]
            seen = self.still_enforced()
        self.assertEqual(found, [], "engine objects listed by gc.get_objects()")
        self.assertEnforced(seen)

    def test_forked_child_stays_policed(self):
        p = run_fresh(f"""
            import os, fastaudit
            ap = fastaudit.mk_audit(hardened=True, oks=[{self.root!r}])
            with ap():
                pid = os.fork()
                if pid == 0:
                    try:
                        open({self.target!r}, "w").close()
                        code = 1
                    except PermissionError:
                        code = 0
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            print("child", os.waitstatus_to_exitcode(status))
        """, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual(p.stdout.strip(), "child 0")
        self.assertFalse(os.path.exists(self.target))


class TestRuntimeHooks(TamperCase):
    def test_cannot_add_or_replace_hooks(self):
        mon = sys.monitoring
        added = []
        with self.ap():
            # sys.addaudithook swallows the denial (an Exception) and does not add the hook.
            e1 = attempt(sys.addaudithook, lambda ev, a: added.append(ev))[1]
            e2 = attempt(mon.register_callback, 3, mon.events.CALL, None)[1]
            seen = self.still_enforced()
        sys.audit("labtest.after")
        self.assertIsNone(e1)
        self.assertEqual(added, [], "a hook was added from inside the context")
        # issue 12: the hardened guard refuses the engine's tool id before the audit event
        self.assertIsInstance(e2, PermissionError)
        self.assertIn("hardened engine", str(e2))
        self.assertEnforced(seen)

    def test_ctypes_imported_by_host_still_denied(self):
        import ctypes   # the host imported it before the context
        with self.ap():
            e1 = attempt(ctypes.CDLL, None)[1]
            e2 = attempt(lambda: ctypes.pythonapi.Py_IsInitialized())[1]
            e3 = attempt(ctypes.string_at, id(self), 8)[1]
        self.assertDenied(e1, "ctypes.dlopen")
        self.assertIsInstance(e2, PermissionError, repr(e2))
        self.assertIsInstance(e3, PermissionError, repr(e3))

    def test_import_ctypes_inside_denied(self):
        p = run_fresh(f"""
            import fastaudit, sys
            ap = fastaudit.mk_audit(hardened=True, oks=[{self.root!r}])
            with ap():
                try:
                    import ctypes
                    print("imported")
                except PermissionError as e:
                    print("denied", str(e).split()[1])
            print("ctypes" in sys.modules)
        """, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertEqual(p.stdout.split(), ["denied", "ctypes.dlopen", "False"])

    def test_subinterpreter_creation_denied(self):
        p = run_fresh(f"""
            import fastaudit, _interpreters
            ap = fastaudit.mk_audit(hardened=True, oks=[{self.root!r}])
            with ap():
                try:
                    i = _interpreters.create()
                    _interpreters.run_string(i, "open({self.target!r}, 'w').close()")
                    print("created")
                except PermissionError as e:
                    print("denied")
                except Exception as e:
                    print("other", type(e).__name__, e)
        """, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, proc_report(p))
        self.assertFalse(os.path.exists(self.target), proc_report(p))
        self.assertNotIn("created", p.stdout)


if __name__ == "__main__":
    unittest.main()
