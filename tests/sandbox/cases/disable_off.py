# args: --no-disable
# expect: status=ok min_monitor_callbacks=1000 max_sites_disabled=0
# Without the DISABLE trick every call site keeps paying the monitoring callback.
import math
for i in range(1000):
    math.sqrt(i)
