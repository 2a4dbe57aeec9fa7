# args: --no-monitoring
# expect: status=denied exception=PermissionError class=os-layer
# With monitoring off FastAudit never sees this write (C stdio, no audit event): Landlock
# refuses it outside the scratch folder.
import labnative
labnative.write_text("/tmp/fa-learn-native-escape.txt", "x")
