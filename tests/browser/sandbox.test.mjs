// sandbox.test.mjs: opens /sandbox in Debian's headless Chromium, checks the editor is a
// CodeMirror instance, loads the "subprocess" gallery example, runs it through the real
// POST /api/run, waits for the trace table and checks the denied subprocess.Popen row (class
// and visible label), runs a print snippet and checks the stdout pane, opens code from a
// #code= link, and fails on any console error or Content-Security-Policy violation.
// Screenshots go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { page, collectCsp, finish } = await openBrowser();

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
check(await denyRow.locator('.trace-class a[href^="/wiki/"]').count() === 1,
  'the class links to the wiki');
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

await finish();
