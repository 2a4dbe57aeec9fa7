# title: Starting a program is denied
# concept: subprocess.Popen is not in any allow list, so FastAudit's default-deny rule refuses it.
# wiki: /wiki/default-deny-events#subprocesses
# expect: status=denied deny=subprocess.Popen class=default-deny exception=PermissionError
import subprocess

print("about to run `ls`")
subprocess.run(["ls", "/"])
print("never printed")
