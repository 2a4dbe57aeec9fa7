# args: --preset strict
# expect: status=denied deny=open class=path-denied
open("/etc/hostname").read()
