"""FastAudit 0.2.7's public API, as fa-learn's engine provides it by default.

Written for fa-learn from FastAudit's documented behaviour: the names, events, messages and
record types are FastAudit's; the hook and the CALL callback are C (_install, _callback).
The hook is added when the state is made, where FastAudit adds its own: with
sys.addaudithook, or as a C hook where no program could tell the two apart (_addhook).
mk_audit(..., hardened=True) is fa-learn's own rule set (sandbox/README.md)."""
import asyncio, functools, inspect, os, sys, threading, types
from collections import namedtuple
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from importlib.metadata import entry_points

_AuditCfg = namedtuple('AuditCfg', 'oks before_deny on_call data monitor_calls import_allow')
TrackedCall = namedtuple('TrackedCall', 'fn args kwargs module qualname name')
_state_attr = '_fastaudit_state'


class _ActiveCall:
    def __init__(self, call):
        self.call = call
        self.active = True


class CallTracker:
    def __init__(self, name='fastaudit_active_calls'):
        self.ctx = ContextVar(name, default=())

    def _call(self, fn, args=(), kwargs=None):
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        module = getattr(fn, '__module__', None)
        qualname = getattr(fn, '__qualname__', getattr(fn, '__name__', None))
        full = f'{module}.{qualname}' if module and qualname else qualname
        return TrackedCall(fn, tuple(args), dict(kwargs), module, qualname, full)

    @contextmanager
    def track(self, fn, args=(), kwargs=None):
        live = _ActiveCall(self._call(fn, args, kwargs))
        token = self.ctx.set(self.ctx.get() + (live,))
        try:
            yield live.call
        finally:
            live.active = False
            self.ctx.reset(token)

    def active(self):
        return tuple(live.call for live in self.ctx.get() if live.active)

    def wrap(self, fn):
        if getattr(fn, '_fastaudit_orig', None) is not None or not inspect.iscoroutinefunction(fn):
            return fn
        @wraps(fn)
        async def _fn(*args, **kwargs):
            with self.track(fn, args, kwargs):
                return await fn(*args, **kwargs)
        _fn._fastaudit_orig = fn
        return _fn


_default_call_tracker = CallTracker()
track_call = _default_call_tracker.wrap
active_calls = _default_call_tracker.active


def _new_state():
    cfg_var = ContextVar('fastaudit_cfg', default=None)
    origin_var = ContextVar('fastaudit_origin', default=None)
    mon = getattr(sys, 'monitoring', None)
    audit = sys.audit

    def clean(mods):
        if isinstance(mods, str):
            mods = (mods,)
        return tuple(m.strip() for m in mods if m and m.strip())

    def merge(old, new):
        return tuple(sorted(set(old) | set(clean(new))))

    def group(name):
        return entry_points(group=name)

    safe_native = tuple(sorted(set(clean(ep.value for ep in group('fastaudit_safe_native')))))
    import_allow = tuple(sorted(set(clean(ep.value for ep in group('fastaudit_import_allow')))))
    monitor_hooks = tuple(ep.load() for ep in group('fastaudit_monitor_hook')) if mon else ()
    audit_hooks = tuple(ep.load() for ep in group('fastaudit_audit_hook'))
    calls_now = active_calls
    tool = {'tool_id': None, 'on': 0}
    lock = threading.Lock()

    def task_id():
        try:
            return id(asyncio.current_task())
        except RuntimeError:
            return None

    def origin_note():
        origin = origin_var.get()
        if origin is None:
            return ''
        tid, tname, task, chain = origin
        if tid == threading.get_ident() and task == task_id():
            return ''
        return f"\nAudit context entered in thread {tname!r} by: {chain}"

    def outside_frame():
        f = sys._getframe()
        while f:
            if not f"{f.f_globals.get('__name__')}.{f.f_code.co_qualname}".startswith('fastaudit.'):
                return f
            f = f.f_back

    def ask(cfg, event, args, path, has_path):
        if has_path:
            msg = f"{event} {path!r} not in {cfg.oks}"
        else:
            native = event == 'fastaudit.call' and len(args) > 2
            shown = args[:2] if native else args
            chain = args[2] if native else _chain()
            msg = f"Audit: {event} blocked in sandbox with args: {shown}\nCall chain: {chain}"
        msg += origin_note()
        if audit_hooks or cfg.before_deny:
            frame, calls = outside_frame(), calls_now()
            for h in audit_hooks:
                if h(event, args, frame, msg, cfg.data, calls):
                    return None
            if cfg.before_deny and cfg.before_deny(event, args, frame, msg, cfg.data, calls):
                return None
        return msg

    def install_call_monitor(tool_id):
        if not mon:
            raise RuntimeError('monitor_calls=True requires Python 3.12+ sys.monitoring')
        old = tool['tool_id']
        if old is not None:
            if old != tool_id:
                raise RuntimeError(f'fastaudit already uses sys.monitoring tool id {old}')
            return
        owner = mon.get_tool(tool_id)
        if owner == 'fastaudit':
            mon.set_events(tool_id, 0)
            mon.register_callback(tool_id, mon.events.CALL, None)
            mon.free_tool_id(tool_id)
        elif owner:
            raise RuntimeError(f'sys.monitoring tool id {tool_id} is already used by {owner!r}')
        mon.use_tool_id(tool_id, 'fastaudit')
        mon.register_callback(tool_id, mon.events.CALL, callback)
        tool['tool_id'] = tool_id

    def monitor_on():
        with lock:
            tool['on'] += 1
            if tool['on'] == 1:
                mon.set_events(tool['tool_id'], mon.events.CALL)
        mon.restart_events()

    def monitor_off():
        with lock:
            tool['on'] -= 1
            if not tool['on']:
                mon.set_events(tool['tool_id'], 0)

    def audit_state_():
        cfg = cfg_var.get()
        return dict(safe_native=safe_native, monitoring=mon is not None, tool_id=tool['tool_id'],
                    active=cfg is not None, monitor_on=tool['on'],
                    monitor_calls=None if cfg is None else cfg.monitor_calls,
                    import_allow=import_allow if cfg is None else cfg.import_allow)

    def root(o):
        if o == '.':
            return '.'
        return _realroot(o) or os.path.realpath(os.path.expanduser(os.fsdecode(o)))

    def mk_audit_(oks, before_deny=None, on_call=None, data=None, tool_id=3, monitor_calls=True,
                  allow_imports=()):
        audit('audit_perms.set_config', oks)
        if on_call and not monitor_calls:
            raise RuntimeError('on_call requires monitor_calls=True')
        if monitor_calls:
            install_call_monitor(tool_id)
        cfg = _AuditCfg(tuple(root(o) for o in oks), before_deny, on_call, data, monitor_calls,
                        merge(import_allow, allow_imports))

        @contextmanager
        def cm():
            nonlocal cfg
            if cfg_var.get() is not cfg:
                audit('audit_perms.set_config', cfg)
            token = cfg_var.set(cfg)
            otoken = origin_var.set((threading.get_ident(), threading.current_thread().name,
                                     task_id(), _chain()))
            watching = cfg.monitor_calls
            if watching:
                monitor_on()
            try:
                yield
            finally:
                origin_var.reset(otoken)
                cfg_var.reset(token)
                if watching:
                    monitor_off()

        def set_data(d):
            nonlocal cfg
            audit('audit_perms.set_data', d)
            cfg = cfg._replace(data=d)
            return cfg.data

        def add_imports(*mods):
            nonlocal cfg
            audit('audit_perms.add_imports', mods)
            cfg = cfg._replace(import_allow=merge(cfg.import_allow, mods))
            return cfg.import_allow

        cm.set_data = set_data
        cm.add_imports = add_imports
        return cm

    mk_audit_.audit_state = audit_state_
    state, hook = _install(cfg_var, ask, monitor_hooks, safe_native)
    callback = _callback(state)
    if not _addhook(state):  # a C hook where no program can tell it from this call
        sys.addaudithook(hook)
    return mk_audit_


def _get_mk_audit():
    made = getattr(sys, _state_attr, None)
    if made is None:
        made = _new_state()
        setattr(sys, _state_attr, made)
    return made


def mk_audit(oks, before_deny=None, on_call=None, data=None, tool_id=3, monitor_calls=True,
             allow_imports=(), *, hardened=False):
    if hardened:  # fa-learn's rule set, not FastAudit's
        return _hardened_mk_audit(oks, before_deny, on_call, data, tool_id, monitor_calls,
                                  allow_imports)
    made = _get_mk_audit()(oks, before_deny, on_call, data, tool_id, monitor_calls, allow_imports)
    _made_default()
    return made


def audit_state():
    hardened = _hardened_state()
    if hardened is not None:
        return hardened
    return _get_mk_audit().audit_state()

