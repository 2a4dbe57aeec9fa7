#!/usr/bin/env bash
# test_check.sh: `fa-learn check` passes on the course's own content, and names each kind of
# problem, with its file and line, in a content folder made broken on purpose.
# Usage: test_check.sh FA_LEARN_BINARY SOURCE_DIR
set -u
bin=$1
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

. "$(dirname "$0")/../expect.sh"

expect 0 'fa-learn check: [0-9]+ pages in order' -- "$bin" check --content "$src/content" --static "$src/static"
expect 0 'Usage: fa-learn check' -- "$bin" help check
expect 2 "unknown argument '--bogus'" -- "$bin" check --bogus

# A copy of the course's content with one more page, correct at first. (The trace table's
# and the gallery's wiki links are checked too, so the real pages must be there.)
cp -r "$src/content" "$src/static" "$tmp/"
mkdir -p "$tmp/static/img"
echo '<svg/>' >"$tmp/static/img/check-test.svg" # only its presence is checked
cat >"$tmp/content/pages/99-check-test.md" <<'MD'
# Check test

![Two layers around a run](/static/img/check-test.svg)

## Second part

```pyrun status=ok stdout=hi
print("hi")
```

```python illustration
x = 1
```

See [above](#second-part), the [sandbox](/sandbox) and [the author](mailto:author@localhost).
Back to [the start](/wiki/big-picture) or [this part](/wiki/check-test#second-part).
MD
good=(check --content "$tmp/content" --static "$tmp/static")
expect 0 'fa-learn check: [0-9]+ pages in order' -- "$bin" "${good[@]}"

# break FILE OLD NEW PATTERN: one defect at a time, then back.
break_one() {
    local file=$1 old=$2 new=$3 pattern=$4
    cp "$file" "$tmp/saved"
    sed -i "s|$old|$new|" "$file"
    expect 1 "$pattern" -- "$bin" "${good[@]}"
    cp "$tmp/saved" "$file"
}
page=$tmp/content/pages/99-check-test.md
break_one "$page" '/wiki/big-picture)' '/wiki/big-pitcure)' "99-check-test.md:16: no page 'big-pitcure'"
break_one "$page" 'check-test#second-part' 'check-test#third-part' "99-check-test.md:16: no heading with id 'third-part' on /wiki/check-test"
break_one "$page" '(#second-part)' '(#nowhere)' "99-check-test.md:15: no heading with id 'nowhere' on this page"
break_one "$page" '(/sandbox)' '(/sandboxes)' "99-check-test.md:15: no page of this site answers '/sandboxes'"
break_one "$page" '(/sandbox)' '(first)' "99-check-test.md:15: relative link 'first'"
break_one "$page" 'Two layers around a run' '' '99-check-test.md:3: image without alt text'
break_one "$page" 'img/check-test.svg' 'img/missing.svg' '99-check-test.md:3: no file static/img/missing.svg'
break_one "$page" '(/static/img/check-test.svg)' '(data:image/png;base64,AAAA)' '99-check-test.md:3: image from outside /static/'
break_one "$page" '```python illustration' '```python' '99-check-test.md:11: Python code block without a mark'
break_one "$page" '```pyrun status=ok stdout=hi' '```pyrun stdout=hi' '99-check-test.md:7: pyrun without status='
break_one "$page" '```pyrun status=ok' '```pyrun status=fine' '99-check-test.md:7: pyrun: status must be'
break_one "$page" '```pyrun status=ok' '```pyrun status=ok denied' "99-check-test.md:7: pyrun: 'denied' is not an expectation"
break_one "$page" '```python illustration' '```' '99-check-test.md:11: code block without a language'
break_one "$page" '^# Check test' 'No title' '99-check-test.md:1: no title'
break_one "$tmp/content/sandbox/01-subprocess-denied.py" '^# wiki: .*' '# wiki: /wiki/nowhere' "subprocess-denied.py: # wiki: no page 'nowhere'"

# The question bank: check and the server name the same problem, and the server refuses
# to start (it does not serve a quiz it cannot trust).
cp -r "$src/quiz" "$tmp/quiz"
good=(check --content "$tmp/content" --static "$tmp/static" --quiz "$tmp/quiz")
expect 0 'fa-learn check: [0-9]+ pages in order' -- "$bin" "${good[@]}"
first=$(ls "$tmp/quiz/questions" | head -n 1)
break_one "$tmp/quiz/questions/$first" '^- \[x\]' '- [ ]' "questions/$first:[0-9]+: options without a correct one"
break_one "$tmp/quiz/questions/$first" '^wiki: .*' 'wiki: /wiki/big-picture#no-such-section' "questions/$first:[0-9]+: wiki: no heading with id 'no-such-section'"
sed -i 's|^- \[x\]|- [ ]|' "$tmp/quiz/questions/$first"
expect 1 "questions/$first:[0-9]+: options without a correct one" -- "$bin" serve --port 0 \
    --content "$tmp/content" --static "$tmp/static" --quiz "$tmp/quiz" --data "$tmp/data" --no-sandbox

echo "$checks checks, $failures failed"
[[ $failures -eq 0 ]]
