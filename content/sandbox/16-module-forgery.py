# title: Forging __module__ to silence the call monitor
# concept: FastAudit takes a callable's module from __module__, a writable attribute, so a native function renamed into the standard library is never reported. The hardened preset reads the module from the extension's C definition and still denies the call.
# wiki: /wiki/sys-monitoring#how-fastaudit-classifies-a-callable
# expect: status=ok stdout=wrote note=fastaudit.call
# hardened: status=denied deny=fastaudit.call class=native-call exception=PermissionError note=fastaudit.call
import labnative

labnative.write_text.__module__ = "json"     # no audit event for this assignment
labnative.write_text("notes.txt", "unseen by the monitor\n")
print("wrote notes.txt")
