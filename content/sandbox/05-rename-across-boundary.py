# title: Renaming across the boundary
# concept: os.rename checks both paths: a rename inside the scratch folder is allowed, one that moves a file out is denied.
# wiki: /wiki/directory-modifying-events#operations-with-two-paths
# expect: status=denied allow=os.rename deny=os.rename class=path-denied stdout=renamed
import os

with open("a.txt", "w") as f:
    f.write("data")
os.rename("a.txt", "b.txt")          # both ends inside: allowed
print("renamed inside:", os.listdir("."))
os.rename("b.txt", "/tmp/b.txt")     # the destination is outside: denied
