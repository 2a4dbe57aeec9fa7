# expect: status=denied deny=subprocess.Popen
import subprocess
subprocess.run(["true"])
