# expect: status=denied deny=open class=path-denied
open("/root/fa-learn-escape.txt", "w").write("x")
