// errors.test.mjs (issue 14): errors that teach. A SyntaxError shows its line with a caret
// under the error and marks the line in the editor; a chained exception shows what it was
// raised from (raise ... from) or during (an exception while handling another); input()
// with no input says that runs have no keyboard, and the Input box feeds the run's stdin. Screenshots go to $ARTIFACTS.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { page, finish } = await openBrowser();

await page.goto(`${base}/sandbox`);
await page.waitForSelector('.CodeMirror');

async function runCode(code) {
  await page.evaluate((c) => document.querySelector('.CodeMirror').CodeMirror.setValue(c), code);
  await page.click('#sandbox-run');
  await page.waitForFunction(() => !document.getElementById('sandbox-run').disabled &&
    !document.getElementById('sandbox-status').textContent.includes('Running'), null,
  { timeout: 20000 });
}

await runCode('x = 1\ndef f(:\n    pass\n');
const syntax = await page.locator('#sandbox-exception pre.sandbox-syntax').textContent()
  .catch(() => '');
const [shown, caret] = syntax.split('\n');
check(shown === 'line 2 | def f(:', `the SyntaxError's line is shown (${shown})`);
check(caret !== undefined && caret.indexOf('^') === 'line 2 | def f('.length,
  `a caret points at the error (${JSON.stringify(caret)})`);
const marked = await page.evaluate(() => [...document.querySelectorAll('.CodeMirror-code > div')]
  .map((d, i) => (d.querySelector('.sandbox-error-line') ? i + 1 : 0)).filter(Boolean));
check(marked.length === 1 && marked[0] === 2, `line 2 is marked in the editor (${marked})`);
await page.screenshot({ path: path.join(artifacts, 'errors-syntax.png'), fullPage: true });

// The caret stands under the error when the line holds tabs (shown as tabs in both lines) and
// characters outside the BMP (Python counts code points, JavaScript UTF-16 units); measured
// on screen, not by counting characters.
async function caretGap(errorChar) {
  return page.evaluate((ch) => {
    const pre = document.querySelector('#sandbox-exception pre.sandbox-syntax');
    const texts = [];
    for (let w = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT); w.nextNode();) texts.push(w.currentNode);
    const line = texts[0];
    const under = texts.filter((t) => t.data.includes('^')).pop();
    const x = (node, i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
      return r.getBoundingClientRect().left; };
    return Math.abs(x(line, line.data.lastIndexOf(ch)) - x(under, under.data.indexOf('^')));
  }, errorChar);
}
for (const [code, what] of [['if 1:\n\tx = 1 +* 2\n', 'a tab'],
                            ['if 1:\n\t\ts = "\u00e9\ud83d\ude00" + * 2\n', 'two tabs, an accent and an emoji']]) {
  await runCode(code);
  const gap = await caretGap('*').catch(() => 999);
  check(gap < 1, `with ${what} before the error the caret is under it (${gap.toFixed(1)} px off)`);
}
await page.screenshot({ path: path.join(artifacts, 'errors-syntax-tabs.png'), fullPage: true });
// The editor's mark stays while the code is unchanged and goes at the first edit.
const markCount = () => page.locator('.CodeMirror .sandbox-error-line').count();
check(await markCount() === 1, 'the error line is marked');
await page.locator('#sandbox-run').focus();
check(await markCount() === 1, 'the mark stays while the learner looks elsewhere');
await page.evaluate(() => { const cm = document.querySelector('.CodeMirror').CodeMirror;
  cm.replaceRange('# edited\n', { line: 0, ch: 0 }); });
check(await markCount() === 0, 'an edit clears the mark');
await runCode('x = 1\ndef f(:\n    pass\n');
check(await markCount() === 1, 'a new run marks again');
check(await page.evaluate(() => { document.getElementById('sandbox-run').click();
  return document.querySelectorAll('.CodeMirror .sandbox-error-line').length; }) === 0,
'and a rerun clears it as it starts');
await page.waitForFunction(() => !document.getElementById('sandbox-run').disabled &&
  !document.getElementById('sandbox-status').textContent.includes('Running'), null, { timeout: 20000 });

await runCode('try:\n    1/0\nexcept Exception as e:\n    raise ValueError("bad") from e\n');
let cause = await page.locator('.sandbox-exception-cause').allTextContents();
check(cause.length === 1 && cause[0].includes('Raised from ZeroDivisionError: division by zero (line 2)'),
  `raise ... from shows its cause (${cause})`);
check(await page.locator('.CodeMirror .sandbox-error-line').count() === 0,
  'the syntax mark is gone after the next run');

await runCode('try:\n    {}["k"]\nexcept KeyError:\n    print(undefined_name)\n');
cause = await page.locator('.sandbox-exception-cause').allTextContents();
check(cause.length === 1 && cause[0].startsWith('While handling KeyError') && cause[0].includes('line 2'),
  `an exception during another shows its context (${cause})`);
await page.screenshot({ path: path.join(artifacts, 'errors-chained.png'), fullPage: true });

await runCode('name = input("Your name? ")\nprint("hello", name)\n');
const note = await page.locator('.sandbox-input-note').textContent().catch(() => '');
check(note.includes('no keyboard'), `input() gets a note that runs have no keyboard (${note})`);
await page.screenshot({ path: path.join(artifacts, 'errors-input.png'), fullPage: true });
check(await page.locator('#sandbox-stdin').isVisible(), 'the note opens the Input box');

// The Input box feeds the run's standard input, one line per input() call.
await page.fill('#sandbox-stdin', 'Ada\nsecond line\n');
await runCode('name = input("Your name? ")\nprint("hello", name)\nprint(repr(input()))\nimport sys\nprint(repr(sys.stdin.read()))\n');
const out = await page.locator('#sandbox-stdout').textContent();
check(out.includes('hello Ada') && out.includes("'second line'") && out.includes("''"),
  `input() reads the Input box, then end of file (${JSON.stringify(out)})`);
await page.screenshot({ path: path.join(artifacts, 'errors-input-box.png'), fullPage: true });
// From Node, not the page: the harness counts every 4xx the page meets as a problem.
const tooLong = (await fetch(`${base}/api/run`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ code: 'print(1)', stdin: 'x'.repeat(8193) }),
})).status;
check(tooLong === 400, `input past 8 KiB is refused (${tooLong})`);

await finish();
