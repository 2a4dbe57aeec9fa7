# args: --preset hardened
# expect: status=denied class=tampered
# Finding the engine's ContextVar and clearing it does not switch the policy off.
import contextvars, os
var = next(v for v in contextvars.copy_context() if v.name == "fastaudit_state")
var.set(None)
os.system("id")
