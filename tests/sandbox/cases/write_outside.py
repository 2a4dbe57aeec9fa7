# expect: status=denied deny=open class=path-denied
open("/tmp/fa-learn-escape.txt", "w").write("x")
