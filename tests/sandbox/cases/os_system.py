# expect: status=denied deny=os.system
import os
os.system("id")
