# args: --preset fastaudit
# expect: status=ok stdout=done note=shutil.rmtree,fastaudit.call min_divergences=2
# Issue 12: under FastAudit's rules, rows where the hardened engine would decide otherwise
# carry a note (the root deleted through a trailing slash; a call FastAudit's monitor does not
# report because __module__ was forged), and the divergences counter counts them.
import os
import shutil

import labnative

shutil.rmtree(os.getcwd() + "/", ignore_errors=True)
labnative.checksum.__module__ = "json"
labnative.checksum(b"x")
print("done")
