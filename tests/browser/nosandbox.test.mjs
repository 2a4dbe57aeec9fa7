// nosandbox.test.mjs (issue 14): a site served with --no-sandbox says so and offers nothing
// that cannot work: the sandbox page says the sandbox is switched off (not "try again"),
// shows no Run button, and Ctrl+Enter runs nothing; wiki pages have no "Try it" links.
// BASE_URL is a server started with --no-sandbox (run.sh). Screenshots go to $ARTIFACTS.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { page, finish } = await openBrowser();

await page.goto(`${base}/sandbox`);
await page.waitForSelector('.CodeMirror');
await page.waitForFunction(() => document.documentElement.classList.contains('sandbox-ready'));
const status = await page.locator('#sandbox-status').textContent();
check(status.includes('switched off on this site'), `the page says the sandbox is off (${status})`);
check(!(await page.locator('#sandbox-run').isVisible()), 'no Run button');
check(!(await page.locator('#sandbox-copy-link').isVisible()), 'no copy-link button');
let posted = 0;
page.on('request', (r) => { if (r.url().endsWith('/api/run')) posted++; });
await page.locator('.CodeMirror textarea').focus();
await page.keyboard.press('Control+Enter');
await page.waitForFunction(() => document.getElementById('sandbox-status').textContent.includes('switched off'));
check(posted === 0, 'Ctrl+Enter sends nothing');
await page.setViewportSize({ width: 390, height: 800 });
await page.screenshot({ path: path.join(artifacts, 'nosandbox-page.png'), fullPage: true });

await page.setViewportSize({ width: 1280, height: 900 });
await page.goto(`${base}/wiki/big-picture`);
await page.waitForFunction(() => document.querySelectorAll('.code-block').length > 0);
check(await page.locator('.language-pyrun').count() > 0, 'the page has runnable examples');
check(await page.locator('.try-button').count() === 0, 'no "Try it" links');

await finish();
