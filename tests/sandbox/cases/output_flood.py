# expect: status=limit limit=output
while True:
    print("x" * 1000)
