# expect: status=denied deny=open
# Hunting for the policy through the collector, the frames and sys.modules, then writing
# outside the scratch folder. The engine keeps its tables in C memory: whatever these tricks
# reach or replace, the write is still judged, and the tricks themselves may be refused.
import sys
tricks = []
try:
    import gc
    tricks.append(len([o for o in gc.get_objects() if "audit" in type(o).__name__.lower()]))
except PermissionError as e:
    tricks.append(f"gc refused: {e}")
try:
    frame = sys._getframe()
    while frame.f_back:
        frame = frame.f_back
    frame.f_globals.pop("__builtins__", None)
except PermissionError as e:
    tricks.append(f"frames refused: {e}")
try:
    sys.modules["fastaudit"] = None
    sys.modules.pop("fastaudit", None)
except PermissionError as e:
    tricks.append(f"sys.modules refused: {e}")
print(tricks)
open("/tmp/fa-learn-escape.txt", "w").write("escaped")
