# expect: status=limit limit=file_size
# A file larger than the jail's RLIMIT_FSIZE (16 MiB) in the scratch folder.
with open("big.bin", "wb") as f:
    for _ in range(64):
        f.write(b"x" * (1 << 20))
