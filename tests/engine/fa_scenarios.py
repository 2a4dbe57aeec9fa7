"""Default-mode scenarios (issue 12): FastAudit 0.2.7's behaviour, run in a fresh interpreter
by test_fastaudit.py (`fa-learn python fa_scenarios.py NAME`), so that no hardened config of
the other suites shares the process. Each scenario raises AssertionError on a difference and
prints "ok" at the end. Ported from the situations FastAudit's own test suite checks, with
labnative standing in for third-party native modules."""
import asyncio, contextvars, importlib, os, shutil, subprocess, sys, tempfile, threading
import fastaudit
from fastaudit import active_calls, audit_state, mk_audit, track_call


def raises(exc, fn, *args, text=None, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc as e:
        if text is not None:
            assert text in str(e), f"{text!r} not in {str(e)!r}"
        return e
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not raise {exc.__name__}")


def touch(p, s='x'):
    with open(p, 'w') as f:
        f.write(s)


def fresh_dir():
    return os.path.realpath(tempfile.mkdtemp(prefix='fa12-'))


# --- ported from FastAudit's test suite -------------------------------------------------

def audit_blocks():
    tmp = fresh_dir()
    start = os.getcwd()
    dot = os.path.join(tmp, 'dotdest')
    ok = os.path.join(tmp, 'okdest')
    os.makedirs(os.path.join(dot, 'child'))
    os.mkdir(ok)
    inside, inside2, inside3 = (os.path.join(ok, n) for n in ('a.txt', 'b.txt', 'c.txt'))
    outside = os.path.join(tmp, 'outside.txt')
    permissive = mk_audit([tmp], monitor_calls=False)
    os.chdir(dot)
    import labnative
    with mk_audit((ok, '.'))():
        def f(): pass
        raises(PermissionError, setattr, f, '__code__', f.__code__,
               text='object.__setattr__ blocked in sandbox with args:')
        open('/etc/passwd').close()
        os.close(os.open('/etc/passwd', os.O_RDONLY))
        raises(PermissionError, os.open, outside, os.O_WRONLY | os.O_CREAT)
        raises(PermissionError, os.remove, outside)
        shutil.copyfile('/etc/passwd', inside)
        raises(PermissionError, shutil.copyfile, inside, outside)
        os.remove(inside)
        touch(inside2)
        raises(PermissionError, os.rename, outside, inside3)
        raises(PermissionError, os.rename, inside2, outside)
        os.remove(inside2)
        raises(PermissionError, subprocess.run, ['echo', 'hi'],
               text='Audit: subprocess.Popen blocked in sandbox with args:')
        touch('dot-inside.txt')
        touch('child/nested.txt')
        raises(PermissionError, touch, '../sibling.txt')
        raises(PermissionError, os.chdir, start)
        class Plain: pass
        class PyCallable:
            def __call__(self): return 'ok'
        assert isinstance(Plain(), Plain) and PyCallable()() == 'ok'
        import functools
        @functools.lru_cache(maxsize=8)
        def cached(): return 'ok'
        assert cached() == 'ok' and functools.partial(cached)() == 'ok'
        # own call sites: a site that called Python code earlier is DISABLEd until re-entry
        raises(PermissionError, lambda: labnative.checksum(b'x'), text='labnative.checksum')
        raises(PermissionError, lambda: functools.partial(labnative.checksum, b'x')())
        raises(PermissionError, mk_audit, [tmp], monitor_calls=False)
        def enter_other():
            with permissive():
                pass
        raises(PermissionError, enter_other)
    os.chdir(start)


def expanduser_root():
    tmp = fresh_dir()
    os.makedirs(os.path.join(tmp, 'home', 'allowed'))
    os.environ['HOME'] = os.path.join(tmp, 'home')
    target = os.path.join(tmp, 'home', 'allowed', 't.txt')
    with mk_audit(('~/allowed',), monitor_calls=False)():
        touch(target)
    assert open(target).read() == 'x'


def callbacks():
    tmp = fresh_dir()
    import labnative
    def before_deny(event, args, frame, msg, data, calls):
        return (event == 'subprocess.Popen' and args[1][:1] == ['echo'] or
                event == 'fastaudit.ddl' and args == ('ok',) or
                event == 'os.putenv' and os.fsdecode(args[0]) == 'PATH')
    def on_call(caller, callee, fn, code, off, data, calls):
        if callee.startswith('labnative.'):
            return sys.monitoring.DISABLE
    with mk_audit([tmp], before_deny=before_deny, on_call=on_call)():
        labnative.checksum(b'x')
        sys.audit('fastaudit.ddl', 'ok')
        raises(PermissionError, sys.audit, 'fastaudit.dml', 'delete')
        os.putenv('FASTAUDIT_ENV_OK', '1')
        os.unsetenv('FASTAUDIT_ENV_OK')
        raises(PermissionError, os.putenv, 'PYTHONPATH', 'x')
        os.putenv('PATH', os.environ.get('PATH', ''))
        assert subprocess.run(['echo', 'hi'], capture_output=True, text=True).stdout == 'hi\n'
        raises(PermissionError, subprocess.run, ['ls'])


def import_side_effects():
    tmp = fresh_dir()
    for nm in ('runtime_import_ok', 'blocked_import'):
        touch(os.path.join(tmp, nm + '.py'), 'def f(): pass\nf.__code__ = f.__code__\n')
    sys.path.insert(0, tmp)
    def load(nm):
        sys.modules.pop(nm, None)
        importlib.invalidate_caches()
        return importlib.import_module(nm)
    with mk_audit([tmp])():
        raises(PermissionError, load, 'blocked_import')
    perms = mk_audit([tmp], allow_imports=('runtime_import_ok',), monitor_calls=False)
    with perms():
        assert load('runtime_import_ok').f() is None
        raises(PermissionError, perms.add_imports, 'blocked_import')
    assert perms.add_imports('blocked_import') == ('blocked_import', 'runtime_import_ok')
    with perms():
        assert load('blocked_import').f() is None


def call_tracker():
    tmp = fresh_dir()
    def sync_tool(): return 'ok'
    assert track_call(sync_tool) is sync_tool
    async def run():
        wait = asyncio.Event()
        async def inherited():
            await wait.wait()
            return active_calls()
        @track_call
        async def trusted_echo(msg, loud=False):
            task = asyncio.create_task(inherited())
            res = subprocess.run(['echo', msg.upper() if loud else msg], capture_output=True,
                                 text=True)
            return res, task
        def before_deny(event, args, frame, msg, data, calls):
            return event == 'subprocess.Popen' and any(
                c.qualname.endswith('trusted_echo') and c.args == ('hi',) and
                c.kwargs == {'loud': True} for c in calls)
        with mk_audit([tmp], before_deny=before_deny)():
            assert await asyncio.get_running_loop().run_in_executor(None, lambda: 'ok') == 'ok'
            res, task = await trusted_echo('hi', loud=True)
            assert res.stdout == 'HI\n'
            try:
                subprocess.run(['echo', 'hi'])
                raise AssertionError('not denied')
            except PermissionError:
                pass
            assert active_calls() == ()
            wait.set()
            assert await task == ()
    asyncio.run(run())


def monitor_calls_off():
    tmp = fresh_dir()
    import labnative
    raises(RuntimeError, mk_audit, [tmp], on_call=lambda *a: None, monitor_calls=False,
           text='on_call requires monitor_calls=True')
    with mk_audit([tmp], monitor_calls=False)():
        raises(PermissionError, subprocess.run, ['echo', 'hi'])
        labnative.checksum(b'x')


def allow_list():
    tmp = fresh_dir()
    def trusted_echo():
        return subprocess.run(['echo', 'hi'], capture_output=True, text=True)
    allowed = {f'{trusted_echo.__module__}.{trusted_echo.__qualname__}'}
    def before_deny(event, args, frame, msg, data, calls):
        while frame:
            if f"{frame.f_globals.get('__name__')}.{frame.f_code.co_qualname}" in data:
                return True
            frame = frame.f_back
    perms = mk_audit([tmp], before_deny=before_deny, data=frozenset(allowed))
    with perms():
        assert trusted_echo().stdout == 'hi\n'
        raises(PermissionError, subprocess.run, ['echo', 'hi'])
        raises(PermissionError, perms.set_data, frozenset())
    assert perms.set_data(frozenset()) == frozenset()
    with perms():
        raises(PermissionError, trusted_echo)


def origin_telemetry():
    tmp = fresh_dir()
    perms = mk_audit([tmp], monitor_calls=False)
    with perms():
        e = raises(PermissionError, subprocess.run, ['echo', 'hi'])
    assert 'blocked in sandbox' in str(e) and 'Audit context entered' not in str(e)
    with perms():
        snap = contextvars.copy_context()
    res = []
    def run():
        try:
            snap.run(subprocess.run, ['echo', 'hi'])
        except PermissionError as err:
            res.append(str(err))
    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=5)
    assert res and 'Audit context entered in thread' in res[0], res
    assert 'origin_telemetry' in res[0].split('Audit context entered')[1]
    async def inner():
        try:
            subprocess.run(['echo', 'hi'])
        except PermissionError as err:
            return str(err)
    async def main():
        with perms():
            task = asyncio.create_task(inner())
        return await task
    assert 'Audit context entered in thread' in asyncio.run(main())


def monitor_toggle():
    tmp = fresh_dir()
    perms = mk_audit([tmp])
    tid = audit_state()['tool_id']
    CALL = sys.monitoring.events.CALL
    assert sys.monitoring.get_events(tid) == 0
    with perms():
        assert sys.monitoring.get_events(tid) == CALL
        with perms():
            assert sys.monitoring.get_events(tid) == CALL
        assert sys.monitoring.get_events(tid) == CALL
    assert sys.monitoring.get_events(tid) == 0
    with mk_audit([tmp], monitor_calls=False)():
        assert sys.monitoring.get_events(tid) == 0


# --- one per difference listed in issue 12 ----------------------------------------------

def d_active_calls_records():
    async def main():
        seen = []
        @track_call
        async def tool(x, y=2):
            seen.append(active_calls())
        await tool(1, y=3)
        return seen[0]
    calls = asyncio.run(main())
    assert isinstance(calls, tuple) and isinstance(calls[0], fastaudit.TrackedCall)
    c = calls[0]
    assert c._fields == ('fn', 'args', 'kwargs', 'module', 'qualname', 'name')
    assert c.args == (1,) and c.kwargs == {'y': 3} and c.name == '__main__.d_active_calls_records.<locals>.main.<locals>.tool'


def d_events():
    tmp = fresh_dir()
    seen = []
    sys.addaudithook(lambda ev, args: seen.append((ev, args)) if ev.startswith('audit_perms.') else None)
    perms = mk_audit([tmp], monitor_calls=False)
    assert seen[-1] == ('audit_perms.set_config', ([tmp],)), seen
    with perms():
        pass
    ev, args = seen[-1]
    assert ev == 'audit_perms.set_config' and type(args[0]).__name__ == 'AuditCfg', seen[-1]
    assert args[0].oks == (tmp,)
    perms.set_data(5)
    assert seen[-1] == ('audit_perms.set_data', (5,))
    perms.add_imports('x')
    assert seen[-1] == ('audit_perms.add_imports', (('x',),)), seen[-1]


def d_messages():
    tmp = fresh_dir()
    import labnative
    with mk_audit([tmp])():
        e = raises(PermissionError, open, '/tmp/fa12-evil', 'w')
        try:
            labnative.checksum(b'x')
        except PermissionError as err:
            e2 = err
    assert str(e) == f"open '/tmp/fa12-evil' not in ('{tmp}',)", str(e)
    first, chain = str(e2).split('\n')
    assert first == "Audit: fastaudit.call blocked in sandbox with args: ('__main__.d_messages', 'labnative.checksum')", first
    assert chain.endswith('-> __main__.d_messages -> labnative.checksum'), chain
    raises(RuntimeError, mk_audit, [tmp], tool_id=4,
           text='fastaudit already uses sys.monitoring tool id 3')


def d_tool_taken():
    sys.monitoring.use_tool_id(3, 'other')
    e = raises(RuntimeError, mk_audit, [fresh_dir()])
    assert str(e) == "sys.monitoring tool id 3 is already used by 'other'", str(e)


def d_paths():
    tmp = fresh_dir()
    root = os.path.join(tmp, 'root')
    os.makedirs(root)
    with mk_audit([root])():
        shutil.rmtree(root + '/')        # FastAudit checks dirname('root/') == root
    assert not os.path.exists(root)
    os.makedirs(os.path.join(root, 'sub'))
    with mk_audit([root])():
        # 'sub/..' judged as written: its dirname is root/sub, inside
        raises(FileNotFoundError, os.rmdir, os.path.join(root, 'sub', '..', 'gone'))
        os.rmdir(os.path.join(root, 'sub'))
        os.rmdir(root + '/')
    assert not os.path.exists(root)
    os.makedirs(root)
    outside = os.path.join(tmp, 'out')
    os.mkdir(outside)
    fd = os.open(outside, os.O_RDONLY)
    os.chdir(root)
    with mk_audit([root])():
        os.mkdir('viafd', dir_fd=fd)     # dir_fd ignored: 'viafd' resolves against cwd
        e = raises(PermissionError, open, fd, 'w')
        raises(PermissionError, tempfile.NamedTemporaryFile, dir=root)
    os.chdir('/')
    assert str(e) == f"open {fd} not in ('{root}',)", str(e)
    assert os.path.isdir(os.path.join(outside, 'viafd'))
    with mk_audit('/' + tmp.strip('/'), monitor_calls=False)():   # a str: each char a root
        assert fastaudit.audit_state()['active']
    with mk_audit(['/'], monitor_calls=False)():
        raises(PermissionError, open, os.path.join(tmp, 'deep'), 'w')


def d_nul_paths():
    # ok_path takes dirname before realpath: a NUL in the last part is dropped with it, and
    # only one in the folder part makes realpath raise ValueError, which is a refusal.
    root, outside = fresh_dir(), fresh_dir()
    with mk_audit([root], monitor_calls=False)():
        sys.audit('os.remove', os.path.join(root, 'x\0y'), -1)
        sys.audit('os.rename', os.path.join(root, 'a'), os.path.join(root, 'b\0'), -1, -1)
        e = raises(PermissionError, sys.audit, 'os.remove', os.path.join(root, 'd\0e', 'f'), -1)
        raises(PermissionError, sys.audit, 'os.remove', os.path.join(outside, 'x\0y'), -1)
        raises(PermissionError, sys.audit, 'os.chdir', os.path.join(root, 'x\0y'))
    assert str(e).startswith('os.remove '), str(e)


def d_env_fsdecode():
    with mk_audit([fresh_dir()], monitor_calls=False)():
        os.putenv(b'FA\xff', b'1')     # not UTF-8: fsdecode with surrogateescape, allowed


def d_module_forgery():
    import labnative, xxlimited
    with mk_audit([fresh_dir()])():
        raises(PermissionError, lambda: labnative.checksum(b'x'))
        labnative.checksum.__module__ = 'json'
        labnative.checksum(b'x')          # FastAudit reads __module__
        xxlimited.Xxo()                   # heap type defining __module__: Python to FastAudit


def d_contexts():
    tmp = fresh_dir()
    perms = mk_audit([tmp], monitor_calls=False)
    names = set()
    with perms():
        names = {v.name for v in contextvars.copy_context()}
        var = next(v for v in contextvars.copy_context() if v.name == 'fastaudit_cfg')
        var.set(None)
        subprocess.run(['true'])          # switched off
    assert {'fastaudit_cfg', 'fastaudit_origin'} <= names, names
    with perms():
        contextvars.Context().run(subprocess.run, ['true'])
    cm = perms()
    with cm:
        pass
    e = raises(AttributeError, cm.__enter__)
    assert str(e) == "'_GeneratorContextManager' object has no attribute 'args'", str(e)
    # audit_perms.* is checked before the import allowance
    touch(os.path.join(tmp, 'swapper.py'),
          'import fastaudit\nfastaudit.mk_audit(["/"], monitor_calls=False)\n')
    sys.path.insert(0, tmp)
    with mk_audit([tmp], allow_imports=('swapper',), monitor_calls=False)():
        raises(PermissionError, importlib.import_module, 'swapper', text='audit_perms.set_config')


def d_subinterpreter():
    import _interpreters
    tmp = fresh_dir()
    with mk_audit([tmp], monitor_calls=False)():
        interp = _interpreters.create()
        _interpreters.run_string(interp, f"open({os.path.join(tmp, '..', 'sub-escape')!r}, 'w').close()")
        _interpreters.destroy(interp)
    assert os.path.exists(os.path.join(os.path.dirname(tmp), 'sub-escape'))
    os.remove(os.path.join(os.path.dirname(tmp), 'sub-escape'))


def d_layout():
    import fastaudit.core, fastaudit.hooks
    assert fastaudit.__version__ == '0.2.7'
    for name in ('mk_audit', 'audit_state', 'track_call', 'active_calls', 'CallTracker', 'TrackedCall'):
        assert getattr(fastaudit, name) is getattr(fastaudit.core, name), name
    assert fastaudit.hooks.lxml_monitor('a', 'lxml.etree.fromstring', None, None, 0, None, ()) is sys.monitoring.DISABLE
    assert fastaudit.hooks.lxml_monitor('a', 'lxml.etree.xmlfile', None, None, 0, None, ()) is None
    assert not hasattr(sys, '_fastaudit_state')
    st = audit_state()
    assert list(st) == ['safe_native', 'monitoring', 'tool_id', 'active', 'monitor_on', 'monitor_calls', 'import_allow']
    assert st['tool_id'] is None and callable(sys._fastaudit_state)
    assert callable(sys._fastaudit_state.audit_state)


def d_surrogates():
    import labnative
    threading.current_thread().name = '\udc80'
    with mk_audit([fresh_dir()])():
        class Odd:
            __module__ = '\udc80'
            def __call__(self): return 1
        Odd()()
    with mk_audit([fresh_dir()], hardened=True, tool_id=4)():
        pass


if __name__ == '__main__':
    globals()[sys.argv[1]]()
    print('ok')
