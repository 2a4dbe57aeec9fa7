# expect: status=denied exception=PermissionError class=os-layer
# Reading is allowed anywhere by the policy; the jail allows only the interpreter's files.
print(open("/etc/hostname").read())
