// trace.test.mjs (issue 14): the trace table's layout at 1280 px and 390 px. Event names
// wrap only at their dots, classes never break, reasons keep a readable width and the page
// never scrolls sideways; a class's explanation opens under its row by click and by
// keyboard (a disclosure button, not a title tooltip). Screenshots go to $ARTIFACTS.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { page, finish } = await openBrowser();

// Long event names (object.__getattr__-like dotted ones), an allowed one and a denied one.
const code = [
  'import os, sys, socket, subprocess',
  'sys._getframe()',
  'try:',
  '    socket.socket()',
  'except OSError as e:',
  '    print(e)',
  'os.listdir(".")',
  'subprocess.run(["ls"])',
].join('\n') + '\n';

async function runAt(width, name) {
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${base}/sandbox`);
  await page.waitForSelector('.CodeMirror');
  await page.evaluate((c) => document.querySelector('.CodeMirror').CodeMirror.setValue(c), code);
  await page.click('#sandbox-run');
  await page.waitForSelector('#sandbox-trace tbody tr.trace-deny', { timeout: 20000 });
  const layout = await page.evaluate(() => {
    const rows = [...document.querySelectorAll('#sandbox-trace tbody tr.trace-allow, #sandbox-trace tbody tr.trace-deny')];
    const out = { rows: rows.length, classLines: [], eventBreaks: [], reasonWidths: [] };
    for (const row of rows) {
      const cls = row.querySelector('.trace-class button, .trace-class code');
      out.classLines.push(cls ? cls.getClientRects().length : 0);
      // Each dot-free part of the event name stays on one line.
      const ev = row.querySelector('.trace-event code');
      for (const node of ev.childNodes) {
        if (node.nodeType === 3 && node.textContent.length > 1) {
          const range = document.createRange();
          range.selectNodeContents(node);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (lines.size > 1) out.eventBreaks.push(node.textContent);
        }
      }
      out.reasonWidths.push(row.querySelector('.trace-reason').getBoundingClientRect().width);
    }
    out.overflow = document.documentElement.scrollWidth - window.innerWidth;
    const box = document.querySelector('#sandbox-trace').parentElement;
    out.tableOverflow = box.scrollWidth - box.clientWidth;
    return out;
  });
  check(layout.rows >= 3, `${name}: the run made several decisions (${layout.rows})`);
  check(layout.classLines.every((n) => n === 1), `${name}: classes never break (${layout.classLines})`);
  check(layout.eventBreaks.length === 0, `${name}: event names wrap only at dots (${layout.eventBreaks})`);
  const narrowest = Math.min(...layout.reasonWidths);
  check(narrowest >= 180, `${name}: the reason column is readable (${Math.round(narrowest)} px)`);
  check(layout.overflow <= 1, `${name}: no sideways scroll (${layout.overflow} px)`);
  check(layout.tableOverflow <= 1, `${name}: the table fits its column (${layout.tableOverflow} px)`);
  await page.locator('#sandbox-trace').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, `trace-${width}.png`), fullPage: true });
}

await runAt(1280, '1280 px');

// The class explanation: a disclosure reachable by keyboard.
const toggle = page.locator('#sandbox-trace tr.trace-deny .trace-class-toggle').first();
check(await toggle.count() === 1, 'the class is a button');
check(await page.locator('#sandbox-trace .trace-class [title]').count() === 0, 'no title tooltips');
await toggle.focus();
await page.keyboard.press('Enter');
check(await toggle.getAttribute('aria-expanded') === 'true', 'Enter opens the explanation');
const explainId = await toggle.getAttribute('aria-controls');
const explain = page.locator(`#${explainId}`);
check(await explain.isVisible(), 'the explanation is shown under the row');
check((await explain.textContent()).includes('default-deny'), 'it explains the class');
check(await explain.locator('a[href^="/wiki/"]').count() === 1, 'it links to the wiki');
await page.screenshot({ path: path.join(artifacts, 'trace-class-open.png'), fullPage: true });
await toggle.click();
check(await toggle.getAttribute('aria-expanded') === 'false' && !(await explain.isVisible()),
  'a second press closes it');

await runAt(390, '390 px');
const phoneToggle = page.locator('#sandbox-trace .trace-class-toggle').first();
await phoneToggle.click();
check(await page.locator(`#${await phoneToggle.getAttribute('aria-controls')}`).isVisible(),
  'a tap opens the explanation on a phone');
await page.screenshot({ path: path.join(artifacts, 'trace-390-class-open.png'), fullPage: true });

await finish();
