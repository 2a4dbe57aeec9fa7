# expect: status=denied deny=os.exec class=default-deny
# Replacing the run's process with a shell: the os.exec event is default-denied (seccomp
# would refuse execve anyway).
import os
os.execv("/bin/sh", ["sh", "-c", "echo escaped > /tmp/fa-learn-escape.txt"])
