// wiki.test.mjs: opens the wiki in Debian's headless Chromium, checks highlighting, copy
// buttons, the table of contents, dark mode and the phone layout, uses the search box, and
// fails on any console error or Content-Security-Policy violation. Screenshots go to
// $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { context, page, problems, collectCsp, finish } = await openBrowser();

// A wiki page: title, highlighted Python, copy buttons, table of contents, pager.
await page.goto(`${base}/wiki/big-picture`);
check((await page.title()).endsWith('· fa-learn'), 'page title ends with the site name');
check(await page.locator('h1').count() === 1, 'exactly one h1');
check(await page.locator('main#main').count() === 1, 'a main landmark');
check(await page.locator('nav[aria-label="Site"]').count() === 1, 'a site navigation landmark');
await page.waitForSelector('pre code .cm-keyword', { timeout: 5000 }).catch(() => {});
check(await page.locator('pre code .cm-keyword').count() > 0, 'Python code is highlighted');
const preCount = await page.locator('article pre').count();
check(preCount > 0, 'the page has code blocks');
check(await page.locator('.copy-button').count() === preCount, 'every code block has a copy button');
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
await page.locator('.copy-button').first().click();
// The Clipboard API answers asynchronously: wait for the button to say so.
const confirmed = await page.waitForFunction(
  () => document.querySelector('.copy-button').textContent.includes('Copied'),
  null, { timeout: 5000 }).then(() => true, () => false);
check(confirmed, 'the copy button confirms');
const copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
const firstCode = await page.locator('article pre code').first().textContent();
check(copied.trim() === firstCode.trim(), 'the copied text is the code block');
const tocLinks = page.locator('aside.toc a');
check(await tocLinks.count() >= 2, 'the table of contents lists the sections');
const firstAnchor = (await tocLinks.first().getAttribute('href')).slice(1);
check(await page.locator(`[id="${firstAnchor}"]`).count() === 1, 'a TOC link points at a heading id');
check(await page.locator('a[rel="next"]').count() === 1, 'a next-page link');
// Headings go down one level at a time.
const levels = await page.$$eval('article h1, article h2, article h3, article h4',
  (hs) => hs.map((h) => Number(h.tagName[1])));
check(levels.every((l, i) => i === 0 || l <= levels[i - 1] + 1), `heading order ${levels}`);
check(await page.$$eval('img:not([alt])', (x) => x.length) === 0, 'every image has alt text');
await page.screenshot({ path: path.join(artifacts, 'wiki-page.png'), fullPage: true });

// Keyboard: "/" focuses the search box; the skip link is the first Tab stop.
await collectCsp();
await page.goto(`${base}/wiki/big-picture`);
await page.keyboard.press('Tab');
check(await page.evaluate(() => document.activeElement.className) === 'skip-link',
  'the skip link is the first Tab stop');
await page.locator('body').click({ position: { x: 5, y: 5 } });
await page.keyboard.press('/');
check(await page.evaluate(() => document.activeElement.id) === 'search-q', '"/" focuses search');

// The search box: type, submit, land on ranked results with marked matches, follow one.
await page.fill('#search-q', 'audit hook');
await collectCsp();
await Promise.all([page.waitForNavigation(), page.press('#search-q', 'Enter')]);
check(page.url().includes('/search?q=audit+hook'), 'search submits to /search');
const hits = page.locator('ol.search-results li');
check(await hits.count() > 0, 'search finds results');
check(await page.locator('ol.search-results mark').count() > 0, 'matches are highlighted');
await page.screenshot({ path: path.join(artifacts, 'search.png'), fullPage: true });
await collectCsp();
await Promise.all([page.waitForNavigation(), hits.first().locator('a').click()]);
check(page.url().startsWith(`${base}/wiki/`), 'a result opens a wiki page');

// Dark mode follows prefers-color-scheme.
const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
await page.emulateMedia({ colorScheme: 'dark' });
const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
check(lightBg !== darkBg, `dark mode changes the background (${lightBg} vs ${darkBg})`);
await page.screenshot({ path: path.join(artifacts, 'wiki-dark.png') });
await page.emulateMedia({ colorScheme: 'light' });

// A phone: no horizontal scrolling.
await page.setViewportSize({ width: 375, height: 800 });
await collectCsp();
await page.goto(`${base}/wiki/audit-events-and-hooks`);
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check(overflow <= 1, `no horizontal scroll on a phone (overflow ${overflow}px)`);
await page.screenshot({ path: path.join(artifacts, 'wiki-phone.png'), fullPage: true });

// Every wiki page, from the contents: its pictures load and say what they show, every
// runnable block has a "Try it" link, and one such link opens that very code in the sandbox.
await page.setViewportSize({ width: 1280, height: 900 });
await collectCsp();
await page.goto(`${base}/wiki`);
const slugs = await page.$$eval('main a[href^="/wiki/"]',
  (as) => [...new Set(as.map((a) => a.getAttribute('href').split('#')[0]))]);
check(slugs.length >= 16, `the contents list every page (${slugs.length})`);
let tryLink = null, tryCode = null, pictures = 0;
for (const slug of slugs) {
  await collectCsp();
  await page.goto(`${base}${slug}`);
  await page.waitForLoadState('load');
  const images = await page.$$eval('article img', (imgs) => imgs.map((i) =>
    ({ src: i.getAttribute('src'), alt: i.alt.trim(), ok: i.complete && i.naturalWidth > 0 })));
  for (const img of images) {
    check(img.ok, `${slug}: ${img.src} loads`);
    check(img.alt.length > 10, `${slug}: ${img.src} has alt text that says something`);
  }
  pictures += images.length;
  const runnable = await page.locator('article code.language-pyrun').count();
  check(await page.locator('article .try-button').count() === runnable,
    `${slug}: every runnable block has a Try it link (${runnable})`);
  if (runnable && !tryLink) {
    tryLink = await page.locator('article .try-button').first().getAttribute('href');
    tryCode = await page.locator('article code.language-pyrun').first().textContent();
  }
  if (images.length && pictures === images.length) {
    await page.screenshot({ path: path.join(artifacts, 'wiki-diagram.png'), fullPage: true });
  }
}
check(pictures >= 3, `the wiki has its diagrams (${pictures})`);
check(tryLink !== null, 'some page has a runnable block');
if (tryLink) {
  await collectCsp();
  await page.goto(`${base}${tryLink}`);
  await page.waitForSelector('.CodeMirror', { timeout: 5000 }).catch(() => {});
  const inEditor = await page.evaluate(() => document.querySelector('.CodeMirror').CodeMirror.getValue());
  check(inEditor.trim() === tryCode.trim(), 'Try it opens the block\'s code in the sandbox');
}

// The 404 page is in the layout (its own 404 status is expected, not a problem).
const before = problems.length;
await collectCsp();
await page.goto(`${base}/no-such-page`);
check(await page.locator('h1').textContent() === 'Page not found', '404 page');
problems.splice(before);

await finish();
