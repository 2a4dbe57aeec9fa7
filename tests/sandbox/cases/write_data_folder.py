# args: --no-monitoring
# expect: status=denied exception=PermissionError class=os-layer
# The data folder (the quiz database) is two levels above the scratch folder. A native write
# that FastAudit cannot see with monitoring off is refused there by Landlock.
import labnative
labnative.write_text("../../fa-learn-owned.txt", "x")
