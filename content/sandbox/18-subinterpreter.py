# title: A subinterpreter runs unpoliced
# concept: FastAudit's hook is a Python hook of one interpreter, so code in a subinterpreter is never judged; only the jail stands. The hardened preset refuses the import of the subinterpreter module itself.
# wiki: /wiki/threat-model#subinterpreters
# expect: status=ok stdout=unpoliced note=import
# hardened: status=denied deny=import class=subinterpreter exception=PermissionError note=import
import _interpreters

interp = _interpreters.create()
_interpreters.run_string(interp, "import os; os.environ['PATH'] = '/nowhere'")
_interpreters.destroy(interp)
print("the subinterpreter changed PATH unpoliced")
