# args: --preset hardened
# expect: status=ok class=path-denied note=os.rmdir stdout=refused=5
# Learners see neutral paths: the scratch folder is /sandbox, so the folder that holds it (the
# server's runs folder) reads as /, in the messages and in the trace's reasons and notes, whose
# paths the rules resolve out of the scratch folder. run_cases.py fails any result that shows
# the runs folder.
import os

refused = 0
for step in (lambda: open("../escape.txt", "w"),
             lambda: os.mkdir(os.getcwd() + "/../escape"),
             lambda: os.rmdir("."),
             lambda: os.chdir(".."),
             lambda: os.remove(os.path.join(os.getcwd(), "..", "escape.txt"))):
    try:
        step()
    except PermissionError as e:
        refused += 1
        print(e)
print(f"refused={refused}")
