# title: A native module write, monitoring off
# concept: with monitoring off FastAudit never sees the C-level write; the OS layer (Landlock) still refuses it outside the scratch folder.
# wiki: /wiki/threat-model#what-the-os-layer-stops
# args: --no-monitoring
# expect: status=denied class=os-layer exception=PermissionError
import labnative

labnative.write_text("inside.txt", "inside the scratch folder is fine")
print("wrote inside the scratch folder")
labnative.write_text("/tmp/fa-learn-native-escape.txt", "written by C stdio")
print("never printed")
