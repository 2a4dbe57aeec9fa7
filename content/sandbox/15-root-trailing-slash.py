# title: Deleting the root through a trailing slash
# concept: FastAudit checks the parent of a path as written, and the parent of "root/" is the root itself, so shutil.rmtree(root + "/") is allowed and empties the root; only the jail refuses to remove the root folder itself. The hardened preset normalises the path first and refuses the whole call.
# wiki: /wiki/directory-modifying-events#the-root-itself
# expect: status=ok stdout=notes.txt-left=False note=shutil.rmtree
# hardened: status=ok deny=shutil.rmtree stdout=notes.txt-left=True note=shutil.rmtree
import os
import shutil

root = os.getcwd()                  # the sandbox's scratch folder: the policy's only root
with open("notes.txt", "w") as f:
    f.write("work in progress")
try:
    shutil.rmtree(root + "/")       # the parent of "root/" is root: inside the root?
except PermissionError as e:
    print("refused:", e)
print(f"notes.txt-left={os.path.exists(os.path.join(root, 'notes.txt'))}")
