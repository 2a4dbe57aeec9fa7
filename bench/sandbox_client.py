"""The sandbox benchmark's client (bench/sandbox.sh): latency of a trivial snippet over HTTP
and through `fa-learn run`, runs per second at several concurrencies, the start-up of a
fresh `python3 -I -S -c pass` of the same CPython, and the memory of an idle (spare) run.
Usage: python3 sandbox_client.py BASE_URL FA_LEARN PYTHON3 SUPERVISOR_PID"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

base, fa_learn, python3, supervisor = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
BODY = json.dumps({"code": "pass"}).encode()


def run_once():
    req = urllib.request.Request(base + "/api/run", BODY, {"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as resp:
        result = json.load(resp)
    if result.get("status") != "ok":
        raise SystemExit(f"bench: a trivial run answered {result}")
    return time.perf_counter() - t


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ms(seconds):
    return f"{seconds * 1000:7.2f} ms"


for _ in range(10):  # warm-up
    run_once()
http = [run_once() for _ in range(200)]
# What a learner who clicks Run sees: one run at a time with a pause between (a ready,
# jailed child waits for each), unlike the back-to-back loop above, where each run also
# waits for the next child to be made.
spaced = []
for _ in range(50):
    time.sleep(0.1)
    spaced.append(run_once())
cli = []
for _ in range(20):
    t = time.perf_counter()
    subprocess.run([fa_learn, "run", "--json", "-"], input=b"pass", capture_output=True, check=True)
    cli.append(time.perf_counter() - t)
fresh = []
for _ in range(30):
    t = time.perf_counter()
    subprocess.run([python3, "-I", "-S", "-c", "pass"], check=True)
    fresh.append(time.perf_counter() - t)

p50_fresh = statistics.median(fresh)
print(f"trivial snippet over HTTP (POST /api/run, 200 runs): p50 {ms(statistics.median(http))},"
      f" p99 {ms(percentile(http, 99))}")
print(f"trivial snippet over HTTP, one run every 100 ms (50 runs): "
      f"p50 {ms(statistics.median(spaced))}, p99 {ms(percentile(spaced, 99))}")
print(f"trivial snippet through `fa-learn run` (20 runs, supervisor start included): "
      f"p50 {ms(statistics.median(cli))}, p99 {ms(percentile(cli, 99))}")
print(f"fresh `python3 -I -S -c pass` of the same CPython (30 runs): p50 {ms(p50_fresh)}")
print(f"HTTP p50 / fresh interpreter p50: back-to-back {statistics.median(http) / p50_fresh:.2f}x, "
      f"spaced {statistics.median(spaced) / p50_fresh:.2f}x (target <= 0.25x, and p50 <= 5 ms)")

for concurrency in (1, 2, 4, 8):
    count = [0]
    stop = time.perf_counter() + 3
    lock = threading.Lock()

    def worker():
        while time.perf_counter() < stop:
            try:
                run_once()
            except urllib.error.HTTPError as e:  # 429 past the queue: counted as not done
                if e.code != 429:
                    raise
                time.sleep(0.005)
                continue
            with lock:
                count[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print(f"concurrency {concurrency}: {count[0] / (time.perf_counter() - t):7.1f} runs/s "
          f"(target >= 200 on 2 cores)")


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return out


def private_kib(pid):
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total


time.sleep(0.5)  # let the supervisor fork its spares again
spares = children(supervisor)
if spares:
    sizes = [private_kib(p) / 1024 for p in spares]
    print(f"memory of an idle (spare, jailed) run beyond what it shares with the supervisor: "
          f"{max(sizes):.1f} MiB (target <= 10 MiB); supervisor private: "
          f"{private_kib(supervisor) / 1024:.1f} MiB")
else:
    print("no idle run found to measure")
