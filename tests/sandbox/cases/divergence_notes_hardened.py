# args: --preset hardened
# expect: status=ok stdout=done deny=shutil.rmtree note=shutil.rmtree,fastaudit.call,os.system min_divergences=3
# Issue 12: under the hardened rules, rows where FastAudit would decide otherwise carry a note
# saying what FastAudit would do (its parent-as-written check; its monitor trusting a forged
# __module__; its empty ContextVar in a new Context), and the divergences counter counts them.
import contextvars
import os
import shutil

import labnative

for step in (lambda: shutil.rmtree(os.getcwd() + "/"),
             lambda: labnative.checksum(b"x"),
             lambda: contextvars.Context().run(os.system, "true")):
    labnative.checksum.__module__ = "json"
    try:
        step()
    except PermissionError as e:
        print("refused:", str(e).splitlines()[0])
print("done")
