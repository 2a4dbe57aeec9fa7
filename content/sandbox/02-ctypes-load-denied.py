# title: Loading a C library with ctypes is denied
# concept: importing ctypes loads libc through ctypes.dlopen, a default-deny event, so raw memory access never starts.
# wiki: /wiki/default-deny-events#ctypes
# expect: status=denied deny=ctypes.dlopen class=default-deny exception=PermissionError
import ctypes

libc = ctypes.CDLL("libc.so.6")
print(libc.getpid())
