# title: Loading a C library with ctypes is denied
# concept: loading a shared library with ctypes.CDLL raises ctypes.dlopen, a default-deny event, so no C function of libc can be called (ctypes itself is importable: the sandbox imported it before the run).
# wiki: /wiki/default-deny-events#ctypes
# expect: status=denied deny=ctypes.dlopen class=default-deny exception=PermissionError
import ctypes

libc = ctypes.CDLL("libc.so.6")
print(libc.getpid())
