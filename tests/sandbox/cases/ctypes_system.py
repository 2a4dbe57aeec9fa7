# expect: status=denied deny=ctypes.dlopen
import ctypes
ctypes.CDLL(None).system(b"id")
