# expect: status=denied deny=os.killpg
import os, signal
os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
