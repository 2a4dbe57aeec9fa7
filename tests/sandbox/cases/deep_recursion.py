# expect: status=error exception=RecursionError
# Unbounded recursion, with the recursion limit raised first: Python's own limit (and its C
# stack guard) ends it with an exception the learner can read, not a crash.
import sys
sys.setrecursionlimit(100_000)
def down(n):
    return down(n + 1) + 1
down(0)
