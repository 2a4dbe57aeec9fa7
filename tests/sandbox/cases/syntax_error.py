# expect: status=error exception=SyntaxError
def broken(:
