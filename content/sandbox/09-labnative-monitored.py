# title: A native module write, monitoring on
# concept: labnative.write_text writes with C stdio and raises no audit event, but native call monitoring reports the call as fastaudit.call and the engine denies it.
# wiki: /wiki/third-party-libraries#native-extensions-can-bypass-audited-paths
# expect: status=denied deny=fastaudit.call class=native-call exception=PermissionError
import labnative

print("calling a native function that writes with C stdio...")
labnative.write_text("/tmp/fa-learn-native-escape.txt", "written by C stdio")
print("never printed")
