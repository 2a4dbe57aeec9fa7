# title: ContextVar nesting with tokens
# concept: ContextVar.set returns a token and reset(token) restores the previous value, the same nesting FastAudit uses for its active config.
# wiki: /wiki/context-variables-and-tokens#tokens-and-nesting
# expect: status=ok stdout=outer
import contextvars

level = contextvars.ContextVar("level", default="none")

def show(where):
    print(f"{where}: {level.get()}")

show("start")
t1 = level.set("outer")
show("after set outer")
t2 = level.set("inner")
show("after set inner")
level.reset(t2)
show("after reset inner")
level.reset(t1)
show("after reset outer")
ctx = contextvars.copy_context()
ctx.run(level.set, "in a copy")
print("the copy holds:", ctx[level], "/ here:", level.get())
