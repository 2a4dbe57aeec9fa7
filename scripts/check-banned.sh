#!/usr/bin/env bash
# check-banned.sh: raw allocation and unsafe string functions are banned outside common/ and
# the sandbox (STYLE.md section 5; curl's checksrc). Prints each offending line; fails if any.
# Usage: check-banned.sh SOURCE_DIR
set -u
cd "$1" || exit 2
banned='\b(malloc|calloc|realloc|free|strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)[[:space:]]*\('
hits=$(grep -nE "$banned" server/*.c server/*.h content/*.c content/*.h quiz/*.c quiz/*.h 2>/dev/null |
       grep -vE '^\S+:[0-9]+:\s*(/\*|\*)')
if [[ -n $hits ]]; then
    echo "Banned functions (use the fa_ wrappers of common/):"
    echo "$hits"
    exit 1
fi
echo "no banned functions outside common/"
