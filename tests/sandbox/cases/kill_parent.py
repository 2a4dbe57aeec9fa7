# expect: status=denied deny=os.kill
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
