#!/usr/bin/env bash
# check-banned.sh: raw allocation and unsafe string functions are banned outside common/ and
# the sandbox (STYLE.md section 5; curl's checksrc). Prints each offending line; fails if any.
# Usage: check-banned.sh SOURCE_DIR
set -u
cd "$1" || exit 2
banned='\b(malloc|calloc|realloc|free|strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)[[:space:]]*\('
# Every C file of these folders and their subfolders (server/ has one per layer); none found
# is a failure, so that a move cannot make the check pass by finding nothing.
mapfile -t files < <(find server content quiz -name '*.[ch]' 2>/dev/null | sort)
if [[ ${#files[@]} -eq 0 ]]; then
    echo "check-banned: no C files found under server/, content/ or quiz/"
    exit 2
fi
hits=$(grep -nHE "$banned" "${files[@]}" | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)')
if [[ -n $hits ]]; then
    echo "Banned functions (use the fa_ wrappers of common/):"
    echo "$hits"
    exit 1
fi
echo "no banned functions outside common/"
