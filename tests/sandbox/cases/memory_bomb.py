# expect: status=limit limit=memory
# needs: address-space-limit
blocks = []
while True:
    blocks.append(bytearray(64 << 20))
