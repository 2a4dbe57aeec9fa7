# args: --preset strict
# expect: status=ok class=path-denied stdout=refused=3
# The strict preset checks reads too, and its reasons name the resolved folder of each path:
# the runs folder that holds the scratch folder must read as / (the parent of /sandbox) there
# and in the messages. run_cases.py fails any result that shows the runs folder.
import os

refused = 0
for path in ("..", "../other-run/notes.txt", os.path.join(os.getcwd(), "..", "x")):
    try:
        with open(path) as f:
            f.read()
    except PermissionError as e:
        refused += 1
        print(e)
print(f"refused={refused}")
