# expect: status=denied exception=PermissionError class=os-layer
# socket creation is allowed by the policy; the jail refuses an AF_INET socket.
import socket
socket.create_connection(("127.0.0.1", 80), timeout=1)
