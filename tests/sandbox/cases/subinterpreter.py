# args: --preset hardened
# expect: status=denied deny=import class=subinterpreter
import _interpreters
_interpreters.create()
