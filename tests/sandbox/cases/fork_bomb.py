# expect: status=denied exception=PermissionError|OSError class=os-layer
# os.fork raises no denial in the policy (it is allowed outright): seccomp refuses it.
import os
while True:
    os.fork()
