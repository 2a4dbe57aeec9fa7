# title: Switching the policy off through its ContextVar
# concept: FastAudit keeps its config in a ContextVar and does nothing where it holds None, so a snippet that sets it to None runs unpoliced. The hardened engine notices that its variable was changed from outside and denies everything from then on.
# wiki: /wiki/threat-model#tampering-with-the-context
# expect: status=ok stdout=PATH note=os.putenv
# hardened: status=denied class=tampered exception=PermissionError note=os.putenv
import contextvars
import os

names = ("fastaudit_cfg", "fastaudit_state")    # FastAudit's name; the hardened engine's
var = next(v for v in contextvars.copy_context() if v.name in names)
var.set(None)
os.environ["PATH"] = "/nowhere"                  # a name FastAudit protects
print("PATH is now", os.environ["PATH"])
