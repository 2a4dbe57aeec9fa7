# title: What DISABLE saves: the counters
# concept: the monitoring callback answers DISABLE for stdlib and Python callables, so a call site is reported once and then runs at full speed.
# wiki: /wiki/the-disable-trick#the-counters
# expect: status=ok stdout=monitor_callbacks
import fastaudit
import math

total = 0.0
for i in range(10000):
    total += math.sqrt(i) + len(str(i))
print("total:", round(total))
c = fastaudit.counters()
for key in ["events", "monitor_callbacks", "sites_disabled", "native_calls"]:
    print(f"{key}: {c[key]}")
print("10000 loop iterations, but only a handful of monitoring callbacks")
