# title: asyncio.gather with a context
# concept: every asyncio task runs in a copy of the context it was created in, so the audit policy follows the snippet into each task. Run with the hardened preset: FastAudit 0.2.7's allow list spells the events sys.set_asyncgen_hooks_*, CPython raises sys.set_asyncgen_hook_*, so under the fastaudit preset asyncio.run itself is refused.
# wiki: /wiki/context-variables-and-tokens#asyncio-tasks-copy-the-context
# args: --preset hardened
# expect: status=ok stdout=task-2 deny=open
import asyncio
import contextvars

user = contextvars.ContextVar("user", default="nobody")

async def job(name):
    await asyncio.sleep(0.01)
    try:
        open("/tmp/" + name, "w")
        outcome = "wrote /tmp"
    except PermissionError:
        outcome = "denied a write to /tmp (the policy followed the task)"
    return f"{name} as {user.get()}: {outcome}"

async def main():
    user.set("learner")
    results = await asyncio.gather(job("task-1"), job("task-2"))
    for line in results:
        print(line)

asyncio.run(main())
