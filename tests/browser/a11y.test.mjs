// a11y.test.mjs: axe-core (npm, installed with playwright-core from the lock file) over the
// pages issue 14 lists, in light and in dark mode: home, a wiki page, search, the sandbox
// before and after a run, the quiz index, a quiz page, a result page and the 404 page.
// Fails on any violation of serious or critical impact, and on a moderate one not listed in
// ACCEPTED_MODERATE with its reason. axe's source is evaluated through the DevTools protocol,
// which the page's Content-Security-Policy does not govern (an injected <script> would be a
// CSP violation). Screenshots of the dark pages go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';
import { axeViolations } from './axe.mjs';

// Moderate findings we accept, each with why (none today).
const ACCEPTED_MODERATE = new Map([]);

const { page, problems, collectCsp, finish } = await openBrowser();

// A result page to check: submit a topic's quiz through the form once.
async function makeReport() {
  await page.goto(`${base}/quiz`);
  const href = await page.locator('.quiz-list a').nth(1).getAttribute('href');
  await page.goto(`${base}${href}`);
  await page.fill('#quiz-name', 'Axe Learner');
  await page.locator('.quiz-question input[type="radio"]').first().check();
  // Questions are left unanswered: the first press warns, the second sends.
  await page.locator('#quiz-form button[type="submit"]').click();
  await page.waitForSelector('#quiz-unanswered a[href^="#q-"]');
  await Promise.all([page.waitForURL(/\/report\//), page.locator('#quiz-form button[type="submit"]').click()]);
  return page.url().slice(base.length);
}

async function audit(name, scheme) {
  const bad = await axeViolations(page, ACCEPTED_MODERATE);
  check(bad.length === 0, `axe on ${name} (${scheme}): ${bad.join('; ')}`);
  await page.screenshot({ path: path.join(artifacts, `axe-${name}-${scheme}.png`), fullPage: true });
}

async function visit(url) {
  await collectCsp();
  await page.goto(`${base}${url}`);
}

const report = await makeReport();

for (const scheme of ['light', 'dark']) {
  await page.emulateMedia({ colorScheme: scheme });
  await visit('/');
  await audit('home', scheme);
  await visit('/wiki/big-picture');
  await page.waitForSelector('pre code .cm-keyword', { timeout: 5000 }).catch(() => {});
  await page.waitForSelector('.try-button', { timeout: 5000 }).catch(() => {});
  await audit('wiki', scheme);
  await visit('/search?q=audit+hook');
  await audit('search', scheme);
  await visit('/sandbox');
  await page.waitForSelector('.CodeMirror', { timeout: 5000 });
  await page.evaluate(() => document.querySelector('.CodeMirror').CodeMirror
    .setValue('import os\nprint("hello")  # a comment\nos.system("ls")\n'));
  await audit('sandbox', scheme);
  await page.click('#sandbox-run');
  await page.waitForSelector('#sandbox-trace tbody tr.trace-deny', { timeout: 15000 });
  await audit('sandbox-run', scheme);
  await visit('/quiz');
  await audit('quiz-index', scheme);
  await visit('/quiz/all');
  await audit('quiz-page', scheme);
  await visit(report);
  await audit('result', scheme);
  const known = problems.length;
  await visit('/no-such-page');
  // The 404 is this visit's point, not a failed request (the response and its console note).
  problems.splice(known).filter((p) => !p.includes('404')).forEach((p) => problems.push(p));
  await audit('404', scheme);
}

await finish();
