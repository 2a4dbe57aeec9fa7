// sandbox.test.mjs: opens /sandbox in Debian's headless Chromium, checks the editor is a
// CodeMirror instance, loads the "subprocess" gallery example, runs it through the real
// POST /api/run, waits for the trace table and checks the denied subprocess.Popen row (class
// and visible label), runs a print snippet and checks the stdout pane, opens code from a
// #code= link, and fails on any console error or Content-Security-Policy violation.
// Screenshots go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { context, page, collectCsp, finish } = await openBrowser();

// The page and its editor.
await page.goto(`${base}/sandbox`);
check((await page.title()).startsWith('Sandbox'), 'the page title names the sandbox');
check(await page.locator('h1').count() === 1, 'exactly one h1');
await page.waitForSelector('.CodeMirror', { timeout: 5000 }).catch(() => {});
check(await page.evaluate(() => {
  const el = document.querySelector('.CodeMirror');
  return Boolean(el && el.CodeMirror && typeof el.CodeMirror.getValue === 'function');
}), 'the editor is a CodeMirror instance');
check(await page.locator('.CodeMirror-linenumber').count() > 0, 'the editor shows line numbers');
check(await page.locator('#sandbox-status[aria-live]').count() === 1, 'an aria-live status region');
check(await page.locator('#sandbox-gallery option').count() >= 13, 'the gallery lists at least 12 examples');
check(await page.locator('#sandbox-classes dd a[href^="/wiki/"]').count() >= 12,
  'every trace class is explained and linked to the wiki');

// A gallery example: subprocess, denied.
await page.selectOption('#sandbox-gallery', 'subprocess-denied');
check((await page.locator('#sandbox-concept').textContent()).includes('subprocess.Popen'),
  'the example names its concept');
await page.click('#sandbox-load');
const loaded = await page.evaluate(() => document.querySelector('.CodeMirror').CodeMirror.getValue());
check(loaded.includes('subprocess.run'), 'Load puts the example into the editor');
check(!loaded.includes('# expect:'), 'the test header is not shown to the learner');
await page.click('#sandbox-run');
const traced = await page.waitForSelector('#sandbox-trace tbody tr.trace-deny', { timeout: 15000 })
  .then(() => true, () => false);
check(traced, 'the trace table shows a denied row');
const denyRow = page.locator('#sandbox-trace tbody tr.trace-deny', { hasText: 'subprocess.Popen' });
check(await denyRow.count() === 1, 'a denied row for subprocess.Popen');
check((await denyRow.locator('.trace-label').textContent()).includes('denied'),
  'the denied row has a visible "denied" label');
check((await denyRow.locator('.trace-class').textContent()).trim() === 'default-deny',
  'the row names its class');
await denyRow.locator('.trace-class button').click();
check(await page.locator('#sandbox-trace tr.trace-explain a[href^="/wiki/"]').count() === 1,
  'the class opens its explanation, linked to the wiki');
check((await page.locator('#sandbox-exception').isVisible()), 'the exception is shown');
check((await page.locator('.sandbox-traceback li').count()) >= 1, 'with the learner\'s traceback');
check((await page.locator('#sandbox-status').textContent()).includes('denial'),
  'the status line reports the denial');
check(await page.locator('#sandbox-summary').isVisible(), 'the counters and run time are shown');
check((await page.locator('#sandbox-summary').textContent()).includes('ms'), 'the run time is shown');
check(/seccomp on · Landlock ABI \d+/.test(await page.locator('#sandbox-summary').textContent()),
  "the jail's layers are shown");
await page.screenshot({ path: path.join(artifacts, 'sandbox-denied.png'), fullPage: true });

// A print snippet, run with Ctrl+Enter: stdout pane.
await page.evaluate(() => document.querySelector('.CodeMirror').CodeMirror
  .setValue('print("hello from the browser test")\n'));
await page.locator('.CodeMirror textarea').focus();
await page.keyboard.press('Control+Enter');
const printed = await page.waitForFunction(
  () => document.getElementById('sandbox-stdout').textContent.includes('hello from the browser test'),
  null, { timeout: 15000 }).then(() => true, () => false);
check(printed, 'Ctrl+Enter runs the code and stdout shows the print');
check(!(await page.locator('#sandbox-exception').isVisible()), 'no exception for a clean run');
check((await page.locator('#sandbox-status').getAttribute('class')).includes('is-ok'), 'status ok');
await page.screenshot({ path: path.join(artifacts, 'sandbox-ok.png'), fullPage: true });

// A "Try it" link: #code=<base64url of UTF-8>.
const src = 'print("Grüße from a link")\n';
const b64 = Buffer.from(src, 'utf8').toString('base64url');
await collectCsp();
await page.goto(`${base}/sandbox#code=${b64}`);
await page.waitForSelector('.CodeMirror', { timeout: 5000 }).catch(() => {});
check(await page.evaluate(() => document.querySelector('.CodeMirror').CodeMirror.getValue()) === src,
  '#code= opens the code in the editor');

// Dark mode and a phone: denied rows stay marked, no horizontal scroll.
await page.emulateMedia({ colorScheme: 'dark' });
await page.setViewportSize({ width: 375, height: 800 });
await collectCsp();
await page.goto(`${base}/sandbox`);
await page.waitForSelector('.CodeMirror', { timeout: 5000 }).catch(() => {});
await page.selectOption('#sandbox-gallery', 'write-outside-denied');
await page.click('#sandbox-load');
await page.click('#sandbox-run');
await page.waitForSelector('#sandbox-trace tbody tr.trace-deny', { timeout: 15000 }).catch(() => {});
const rowBg = await page.evaluate(() => {
  const td = document.querySelector('#sandbox-trace tbody tr.trace-deny td');
  return td ? getComputedStyle(td).backgroundColor : '';
});
const bodyBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
check(rowBg && rowBg !== bodyBg && rowBg !== 'rgba(0, 0, 0, 0)', `denied rows are marked in dark mode (${rowBg})`);
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check(overflow <= 1, `no horizontal scroll on a phone (overflow ${overflow}px)`);
await page.screenshot({ path: path.join(artifacts, 'sandbox-phone-dark.png'), fullPage: true });

// Issue 14 at phone width: Load opens the editor at the top-left with long lines wrapped and
// keeps the learner's code in the undo history; the code survives a reload; Run brings the
// result into view and focus; "Copy link to this code" makes a #code= link.
await page.setViewportSize({ width: 390, height: 800 });
await page.emulateMedia({ colorScheme: 'light' });
await collectCsp();
await page.goto(`${base}/sandbox`);
await page.waitForSelector('.CodeMirror');
const cm = (fn, arg) => page.evaluate(([f, a]) =>
  new Function('cm', 'a', f)(document.querySelector('.CodeMirror').CodeMirror, a), [fn, arg]);
const mine = 'print("my own code, which a Load must not lose")\n';
await cm('cm.setValue(a)', mine);
await page.selectOption('#sandbox-gallery', 'subprocess-denied');
await page.click('#sandbox-load');
check(await cm('return cm.getOption("lineWrapping")'), 'long lines wrap on a phone');
const cursor = await cm('const c = cm.getCursor(); return [c.line, c.ch]');
check(cursor[0] === 0 && cursor[1] === 0, `Load puts the cursor at the top-left (${cursor})`);
const scroll = await cm('const s = cm.getScrollInfo(); return [s.left, s.top]');
check(scroll[0] === 0 && scroll[1] === 0, `Load shows the top-left (${scroll})`);
const firstLine = await cm('return cm.getLine(0)');
const firstBox = await page.locator('.CodeMirror-line').first().boundingBox();
const editorBox = await page.locator('.CodeMirror').boundingBox();
check(firstBox && firstBox.x >= editorBox.x && firstBox.x + 2 < editorBox.x + editorBox.width,
  `the first line starts inside the editor (${firstLine})`);
await page.screenshot({ path: path.join(artifacts, 'sandbox-phone-loaded.png') });
await cm('cm.undo()');
check(await cm('return cm.getValue()') === mine, 'Ctrl+Z after Load brings the learner\'s code back');
await cm('cm.redo()');
const typed = 'print("typed, then the tab was reloaded")\n';
await cm('cm.setValue(a)', typed);
await page.waitForFunction((t) => window.localStorage.getItem('fa-learn.sandbox.code') === t, typed);
await collectCsp();
await page.reload();
await page.waitForSelector('.CodeMirror');
check(await cm('return cm.getValue()') === typed, 'the learner\'s code survives a reload');
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
await page.click('#sandbox-copy-link');
await page.waitForFunction(() => document.getElementById('sandbox-status').textContent.includes('Link copied'));
const link = await page.evaluate(() => navigator.clipboard.readText());
check(link === `${base}/sandbox#code=${Buffer.from(typed, 'utf8').toString('base64url')}`,
  `Copy link makes the #code= link (${link.slice(0, 60)})`);
await page.evaluate(() => window.scrollTo(0, 0));
const runButton = page.locator('#sandbox-run');
await runButton.click();
check((await runButton.textContent()).includes('Running') || await page.locator('#sandbox-stdout', { hasText: 'typed' }).count() === 1,
  'the Run button shows the run going on');
await page.waitForFunction(() => document.getElementById('sandbox-stdout').textContent.includes('typed'));
await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'sandbox-status');
// The page scrolls smoothly: wait for the status line to arrive in view.
const inView = await page.waitForFunction(() => {
  const r = document.getElementById('sandbox-status').getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight;
}, null, { timeout: 5000 }).then(() => true, () => false);
check(inView, 'the result is scrolled into view');
await page.screenshot({ path: path.join(artifacts, 'sandbox-phone-after-run.png') });

await finish();
