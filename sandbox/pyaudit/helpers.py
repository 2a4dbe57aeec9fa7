# fa-learn hardened engine helpers (sandbox/sbx_pyaudit.c runs this file at start-up, as
# "<fastaudit>"; its code objects are the engine's, known by identity): entry points, the
# asyncio executor's code, and roots that realpath(3) alone cannot resolve.
def load_entry_points():
    from importlib.metadata import entry_points
    def group(name):
        return list(entry_points(group=name))
    return ([ep.load() for ep in group('fastaudit_audit_hook')],
            [ep.load() for ep in group('fastaudit_monitor_hook')],
            [ep.value for ep in group('fastaudit_safe_native')],
            [ep.value for ep in group('fastaudit_import_allow')])
def executor_code():
    from asyncio.base_events import BaseEventLoop
    return BaseEventLoop.run_in_executor.__code__
def expand_root(root):
    import os
    return os.path.realpath(os.path.expanduser(root))
