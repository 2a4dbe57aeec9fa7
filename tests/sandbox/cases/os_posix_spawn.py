# expect: status=denied deny=os.posix_spawn class=default-deny
# Starting a program without fork: the os.posix_spawn event is default-denied.
import os
os.posix_spawn("/bin/sh", ["sh", "-c", "echo escaped > /tmp/fa-learn-escape.txt"], {})
