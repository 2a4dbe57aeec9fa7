# title: Writing outside the scratch folder is denied
# concept: a write needs its parent folder inside an allowed root; /tmp is not one, so the open event is path-denied.
# wiki: /wiki/directory-modifying-events#writes-need-a-root
# expect: status=denied deny=open class=path-denied exception=PermissionError
with open("/tmp/fa-learn-escape.txt", "w") as f:
    f.write("escaped?")
