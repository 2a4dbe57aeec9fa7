# title: before_deny, and why policy cannot be replaced from inside
# concept: a host's before_deny callback can allow one tool, but only the host sets it: FastAudit's mk_audit raises audit_perms.set_config, which is denied inside an active policy. Under the hardened preset FastAudit's mk_audit gets less far: its first call must add FastAudit's Python hook, and sys.addaudithook is denied.
# wiki: /wiki/host-policy#before-deny
# expect: status=denied deny=audit_perms.set_config class=default-deny exception=PermissionError stdout=trying
# hardened: status=denied deny=sys.addaudithook class=default-deny exception=PermissionError stdout=trying
import fastaudit

def before_deny(event, args, frame, msg, data, calls):
    # A host would allow exactly one tool, e.g. running "git status".
    return event == "subprocess.Popen" and list(args[1]) == ["git", "status"]

print("trying to install my own policy with a friendlier before_deny...")
perms = fastaudit.mk_audit(["."], before_deny=before_deny)
print("never printed: the sandbox's policy stays in charge")
