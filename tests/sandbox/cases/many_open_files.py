# expect: status=error exception=OSError
# Thousands of open files: the jail's RLIMIT_NOFILE ends it with EMFILE.
files = [open(f"f{i}.txt", "w") for i in range(5000)]
