// site.test.mjs: issue 14's site items in Debian's headless Chromium: the home page's quiz
// card is not "coming"; a page's address with a trailing slash answers 308 to the address
// without it; the sidebar's page numbers stay on one line and every title starts at the same
// x; search reads quotes as a phrase, makes only the last word a prefix and says "first 20"
// when the list is cut; /quiz/all does not scroll sideways on a phone (long code spans wrap).
// Screenshots go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { page, collectCsp, finish } = await openBrowser();

// Home: no "coming" badge on any card.
await page.goto(`${base}/`);
const cards = await page.locator('.home-cards').textContent();
check(!/coming/i.test(cards), 'no home card says "coming"');
check(await page.locator('.home-cards a[href="/quiz"]').count() === 1, 'the quiz card links /quiz');

// Trailing slashes: 308 to the page, for pages only.
for (const [from, to] of [['/wiki/', '/wiki'], ['/quiz/', '/quiz'],
  ['/wiki/big-picture/', '/wiki/big-picture'], ['/quiz/all/', '/quiz/all'], ['/sandbox/', '/sandbox']]) {
  const r = await page.request.get(`${base}${from}`, { maxRedirects: 0 });
  check(r.status() === 308 && r.headers().location === to,
    `${from} answers 308 to ${to} (${r.status()} ${r.headers().location})`);
}
const missing = await page.request.get(`${base}/wiki/no-such-page/`, { maxRedirects: 0 });
check(missing.status() === 404, `a missing page with a slash stays 404 (${missing.status()})`);
await collectCsp();
await page.goto(`${base}/wiki/big-picture/`);
check(page.url() === `${base}/wiki/big-picture`, 'the browser lands on the page');

// Sidebar: every title starts at the same x, and each number is on one line.
await page.setViewportSize({ width: 1280, height: 900 });
const lefts = await page.$$eval('.sidebar a', (links) => links.map((a) => {
  const text = [...a.childNodes].find((n) => n.nodeType === 3);
  const range = document.createRange();
  range.selectNodeContents(text);
  return range.getClientRects()[0].left;
}));
check(lefts.length >= 16 && Math.max(...lefts) - Math.min(...lefts) < 0.5,
  `sidebar titles line up (${lefts.map((x) => x.toFixed(1)).join(' ')})`);
const oneLine = await page.$$eval('.sidebar a', (links) => links.every((a) => {
  const before = getComputedStyle(a, '::before');
  return before.whiteSpace === 'nowrap' && before.flexShrink === '0';
}));
check(oneLine, 'sidebar numbers never wrap or shrink');
await page.locator('.sidebar').screenshot({ path: path.join(artifacts, 'site-sidebar.png') });

// Search: a quoted phrase, the last word as a prefix, "first 20" when cut.
await collectCsp();
await page.goto(`${base}/search?q=${encodeURIComponent('"audit hook"')}`);
const phraseMarks = await page.$$eval('.hit-snippet mark', (ms) => ms.map((m) => m.textContent));
check(phraseMarks.length > 0 && phraseMarks.every((m) => /^audit[ _]hooks?$/i.test(m)),
  `a quoted phrase is matched as a whole (${phraseMarks.slice(0, 5).join(', ')})`);
const api = async (q) => (await (await page.request.get(
  `${base}/api/search?q=${encodeURIComponent(q)}`)).json()).results.length;
check(await api('"hook audit"') < await api('hook audit'), 'word order matters inside quotes');
check(await api('monitor') > 0, 'plain words still match');
check(await api('monito hook') === 0 && await api('hook monito') > 0,
  'only the last word matches as a prefix');
await collectCsp();
await page.goto(`${base}/search?q=the`);
const summary = await page.locator('.search-summary').textContent();
const shown = await page.locator('.search-results > li').count();
check(shown === 20 && summary.startsWith('The first 20 results'),
  `a cut list says "first 20" (${shown}: ${summary})`);
await page.screenshot({ path: path.join(artifacts, 'site-search-first-20.png') });

// A phone: /quiz/all does not scroll sideways; code spans in options wrap.
await page.setViewportSize({ width: 390, height: 800 });
await collectCsp();
await page.goto(`${base}/quiz/all`);
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check(overflow <= 1, `/quiz/all does not scroll sideways on a phone (overflow ${overflow}px)`);
await page.screenshot({ path: path.join(artifacts, 'site-quiz-all-phone.png') });

await finish();
