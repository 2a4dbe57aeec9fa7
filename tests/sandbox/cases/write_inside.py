# expect: status=ok stdout=written allow=open
with open("notes.txt", "w") as f:
    f.write("hello")
print(open("notes.txt").read() and "written")
