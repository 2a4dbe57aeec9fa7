# expect: status=crash signal=SIGSEGV
# ctypes was imported by the warm-up, and a foreign call raises no audit event: the crash
# happens, and the jail contains it.
import ctypes
ctypes.memmove(0, 1, 16)
