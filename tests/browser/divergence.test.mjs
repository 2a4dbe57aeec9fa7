// divergence.test.mjs (issue 12): one snippet on which FastAudit's rules and the hardened ones
// disagree (shutil.rmtree of the root written with a trailing slash), opened from a link that
// carries its preset (#code=...&preset=NAME) and run under both presets. Under each, the
// trace row of shutil.rmtree carries a note saying what the other rule set would do, the row
// is marked, and the Divergences counter counts it. An unknown preset in a link selects
// fastaudit and says so; #code= alone still works; a wiki block that starts with
// "# preset: NAME" links with its preset. Screenshots go to $ARTIFACTS.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { page, collectCsp, finish } = await openBrowser();

const CODE = [
  'import os, shutil',
  'open("notes.txt", "w").close()',
  'try:',
  '    shutil.rmtree(os.getcwd() + "/")',
  'except PermissionError as e:',
  '    print("refused")',
  'print("left:", os.path.exists("notes.txt"))',
  '',
].join('\n');
const b64 = Buffer.from(CODE, 'utf8').toString('base64url');

async function open(hash) {
  if (page.url() !== 'about:blank') {
    await collectCsp(); // the first time there is no page yet to collect from
  }
  await page.goto('about:blank');
  await page.goto(`${base}/sandbox${hash}`);
  await page.waitForFunction(() => document.documentElement.classList.contains('sandbox-ready'));
}

async function runAndRead() {
  await page.click('#sandbox-run');
  await page.waitForFunction(() => !document.getElementById('sandbox-run').disabled &&
    !document.getElementById('sandbox-status').textContent.includes('Running'), null,
  { timeout: 20000 });
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll('#sandbox-trace tbody tr')]
      .filter((tr) => tr.querySelector('.trace-event'));
    const rmtree = rows.filter((tr) => tr.querySelector('.trace-event').textContent
      .replace(/\s/g, '') === 'shutil.rmtree');
    const counter = document.querySelector('[data-key="divergences"] dd');
    return {
      rows: rmtree.map((tr) => ({
        marked: tr.classList.contains('trace-divergent'),
        note: (tr.querySelector('.trace-note') || {}).textContent || '',
        label: (tr.querySelector('.trace-label') || {}).textContent || '',
      })),
      divergences: counter ? Number(counter.textContent) : NaN,
      stdout: (document.getElementById('sandbox-stdout') || {}).textContent || '',
    };
  });
}

// Under the hardened preset, from a link that names it.
await open(`#code=${b64}&preset=hardened`);
check(await page.inputValue('#opt-preset') === 'hardened', 'the link selects the hardened preset');
check((await page.textContent('#sandbox-status')).includes('preset hardened'),
  'the status line names the link\'s preset');
let got = await runAndRead();
check(got.rows.length === 1 && got.rows[0].label === 'denied',
  `hardened: shutil.rmtree is denied (${JSON.stringify(got.rows)})`);
check(got.rows.length === 1 && got.rows[0].marked, 'hardened: the row is marked as divergent');
check(got.rows.length === 1 && /^FastAudit allows this .*the hardened engine denies it/.test(got.rows[0].note),
  `hardened: the note says what FastAudit would do (${got.rows[0] && got.rows[0].note})`);
check(got.divergences >= 1, `hardened: the Divergences counter counts it (${got.divergences})`);
await page.screenshot({ path: path.join(artifacts, 'divergence-hardened.png'), fullPage: true });

// Under FastAudit's rules (the default): the same row, allowed, with the hardened answer.
await open(`#code=${b64}&preset=fastaudit`);
check(await page.inputValue('#opt-preset') === 'fastaudit', 'the link selects the fastaudit preset');
got = await runAndRead();
check(got.rows.length === 1 && got.rows[0].label === 'allowed',
  `fastaudit: shutil.rmtree is allowed (${JSON.stringify(got.rows)})`);
check(got.rows.length === 1 && got.rows[0].marked, 'fastaudit: the row is marked as divergent');
check(got.rows.length === 1 && /the hardened engine denies it/.test(got.rows[0].note),
  `fastaudit: the note says what the hardened engine would do (${got.rows[0] && got.rows[0].note})`);
check(got.divergences >= 1, `fastaudit: the Divergences counter counts it (${got.divergences})`);
await page.screenshot({ path: path.join(artifacts, 'divergence-fastaudit.png'), fullPage: true });

// An unknown preset: fastaudit, and a message; #code= alone keeps the code working.
await page.selectOption('#opt-preset', 'strict');
await open(`#code=${b64}&preset=no-such-preset`);
check(await page.inputValue('#opt-preset') === 'fastaudit', 'an unknown preset selects fastaudit');
check((await page.textContent('#sandbox-status')).includes('unknown preset "no-such-preset"'),
  'an unknown preset is reported');
await open(`#code=${b64}`);
check((await page.evaluate(() => document.querySelector('.CodeMirror').CodeMirror.getValue())) === CODE,
  '#code= alone still opens the code');

// site.js: a runnable wiki block whose first line is "# preset: NAME" gets a Try it link with
// &preset=NAME, which opens the sandbox with that preset (content/README.md). The wiki's own
// blocks are the wiki helper's to write, so the test adds the line to one in the page it is
// served (the markup stays the server's).
await collectCsp();
await page.route('**/wiki/big-picture', async (route) => {
  const response = await route.fetch();
  const body = (await response.text()).replace('<code class="language-pyrun">',
    '<code class="language-pyrun"># preset: hardened\n');
  await route.fulfill({ response, body });
});
await page.goto(`${base}/wiki/big-picture`);
const links = await page.$$eval('a.try-button', (as) => as.map((a) => a.getAttribute('href')));
check(links.length >= 1 && /\/sandbox#code=[A-Za-z0-9_-]+&preset=hardened$/.test(links[0]),
  `the first block's Try it link carries its preset (${links[0]})`);
check(links.slice(1).every((href) => !href.includes('&preset=')),
  'blocks without the line get plain #code= links');
await page.unroute('**/wiki/big-picture');
await page.click('a.try-button');
await page.waitForFunction(() => document.documentElement.classList.contains('sandbox-ready'));
check(await page.inputValue('#opt-preset') === 'hardened', 'Try it opens the sandbox with that preset');
check((await page.evaluate(() => document.querySelector('.CodeMirror').CodeMirror.getValue()))
  .startsWith('# preset: hardened\n'), 'the code keeps its preset line');

await finish();
