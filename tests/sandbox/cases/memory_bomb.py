# args: --time-limit 10000
# expect: status=limit limit=memory
# needs: address-space-limit
# Ever larger lists: each is refused by the address-space limit before any page is touched,
# so the bomb ends at once, whatever else the machine is doing.
blocks = []
size = 1 << 20
while True:
    blocks.append([None] * size)
    size *= 2
