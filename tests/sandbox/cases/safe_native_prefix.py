# args: --safe-native labnative
# expect: status=ok stdout=440920331 max_native_calls=0
import labnative
print(labnative.checksum(b"abc"))
