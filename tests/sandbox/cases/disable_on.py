# expect: status=ok max_monitor_callbacks=20 min_sites_disabled=1
# With the DISABLE trick a stdlib call site is judged once, then switched off.
import math
for i in range(1000):
    math.sqrt(i)
