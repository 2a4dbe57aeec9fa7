# expect: status=denied deny=fastaudit.call
import labnative
labnative.write_text("/tmp/fa-learn-native-escape.txt", "x")
