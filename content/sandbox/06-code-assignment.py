# title: Swapping a function's code is denied
# concept: assigning f.__code__ raises object.__setattr__, and __code__ is not among the harmless attributes, so it is denied.
# wiki: /wiki/default-deny-events#sensitive-attributes
# expect: status=denied allow=object.__getattr__ deny=object.__setattr__ class=default-deny stdout=greet
def greet():
    return "hello"

def evil():
    return "pwned"

greet.__doc__ = "Says hello."          # no audit event for __doc__
print("greet says", greet())
greet.__code__ = evil.__code__          # reading __code__ is allowed, replacing it is denied
print("greet says", greet())
