# title: Environment variables: allowed and protected
# concept: os.putenv is allowed for ordinary names but denied for protected ones such as PATH and names starting with PYTHON.
# wiki: /wiki/default-deny-events#environment-variables
# expect: status=ok allow=os.putenv deny=os.putenv class=default-deny stdout=GREETING=hi
import os

os.environ["GREETING"] = "hi"                    # an ordinary name: allowed
print("GREETING=" + os.environ["GREETING"])
for name in ["PATH", "PYTHONPATH", "LD_LIBRARY_PATH"]:
    try:
        os.environ[name] = "/tmp/evil"
        print(name, "changed")
    except PermissionError as e:
        print(name, "refused:", str(e).splitlines()[0])
