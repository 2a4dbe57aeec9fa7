# args: --preset hardened
# expect: status=denied deny=os.system
# Code run in a brand-new context is still under the sandbox's policy.
import contextvars, os
contextvars.Context().run(os.system, "id")
