# title: Starting a thread is denied
# concept: a new thread would not inherit the audit context, so _thread.start_joinable_thread is denied.
# wiki: /wiki/context-variables-and-tokens#threads-do-not-inherit-the-context
# expect: status=denied deny=_thread.start_joinable_thread class=default-deny exception=PermissionError
import threading

def work():
    print("in the thread")

t = threading.Thread(target=work)
t.start()
t.join()
