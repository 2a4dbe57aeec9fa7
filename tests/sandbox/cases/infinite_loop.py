# args: --time-limit 1500
# expect: status=limit limit=time
while True:
    pass
