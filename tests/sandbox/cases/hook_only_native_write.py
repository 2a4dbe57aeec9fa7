# args: --preset hook-only
# expect: status=ok stdout=wrote
# Audit hooks alone never see a native write; inside the scratch folder the jail allows it.
import labnative
labnative.write_text("inside.txt", "x")
print("wrote")
