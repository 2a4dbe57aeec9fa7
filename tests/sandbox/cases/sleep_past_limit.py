# args: --time-limit 800
# expect: status=limit limit=time
import time
time.sleep(30)
