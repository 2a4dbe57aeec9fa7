# title: Writing inside the scratch folder is allowed
# concept: the run's scratch folder is its allowed root, so writing there is path-ok and reading anywhere is a plain read.
# wiki: /wiki/directory-modifying-events#the-scratch-folder
# expect: status=ok allow=open class=path-ok stdout=hello
import os

with open("notes.txt", "w") as f:
    f.write("hello from the scratch folder\n")
with open("notes.txt") as f:
    print(f.read().strip())
print("working folder:", os.getcwd())
