// quiz.test.mjs: takes a topic's quiz in Debian's headless Chromium with the keyboard only,
// checks that a reload keeps the unsent answers, submits, and on the result page clicks
// "Copy report", reads the clipboard and compares it with the report shown. Screenshots of
// the quiz and the result at desktop and phone widths go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { context, page, collectCsp, finish } = await openBrowser();
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });

// The list of quizzes; open the first topic's quiz.
await page.goto(`${base}/quiz`);
check(await page.locator('a[href="/quiz/all"]').count() === 1, '/quiz offers the full quiz');
const topicLink = page.locator('.quiz-list a').nth(1);
const topicHref = await topicLink.getAttribute('href');
await collectCsp();
await Promise.all([page.waitForNavigation(), topicLink.click()]);
check(page.url().endsWith(topicHref), `the topic's quiz opens (${topicHref})`);
const questions = page.locator('.quiz-question');
const total = await questions.count();
check(total >= 3, `a topic has at least three questions (${total})`);
check(await page.locator('.quiz-question fieldset legend').count() === total,
  'every question is a fieldset with a legend');

// The keyboard only: Tab into the name, type; then each question's first control.
await page.locator('#quiz-name').focus();
await page.keyboard.type('Keyboard Learner');
await page.keyboard.press('Tab');
await page.keyboard.type('LAB-7');
for (let i = 0; i < total; i++) {
  const q = questions.nth(i);
  const text = q.locator('input[type="text"]');
  if (await text.count()) {
    await text.focus();
    await page.keyboard.type('keyboard answer');
  } else {
    await q.locator('input').first().focus();
    await page.keyboard.press('Space');
  }
}
const progress = await page.locator('#quiz-progress').textContent();
check(progress.trim() === `${total} of ${total} questions answered`, `progress says all (${progress})`);
await page.screenshot({ path: path.join(artifacts, 'quiz-desktop.png'), fullPage: true });

// A reload loses nothing: answers, name and class come back from the browser's storage.
const before = await page.$$eval('.quiz-question input', (inputs) =>
  inputs.map((i) => (i.type === 'text' ? i.value : String(i.checked))).join('|'));
await collectCsp();
await page.reload();
const chosenAfter = await page.$$eval('.quiz-question input:checked', (inputs) => inputs.length);
const chosenBefore = before.split('|').filter((v) => v === 'true').length;
check(chosenAfter === chosenBefore, `a reload keeps the chosen options (${chosenAfter}/${chosenBefore})`);
check(await page.inputValue('#quiz-name') === 'Keyboard Learner', 'a reload keeps the name');
check(await page.inputValue('#quiz-class') === 'LAB-7', 'a reload keeps the class code');

// A phone: no horizontal scrolling on the quiz.
await page.setViewportSize({ width: 375, height: 800 });
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check(overflow <= 1, `no horizontal scroll on a phone (overflow ${overflow}px)`);
await page.screenshot({ path: path.join(artifacts, 'quiz-phone.png'), fullPage: true });
await page.setViewportSize({ width: 1280, height: 900 });

// Submit with the keyboard: Enter on the submit button.
await page.locator('#quiz-form button[type="submit"]').focus();
await collectCsp();
await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
check(/\/report\/[0-9a-f]{32}$/.test(page.url()), `submitting lands on the permalink (${page.url()})`);
check((await page.locator('h1').textContent()).includes('Keyboard Learner'), 'the result names the learner');
check(await page.locator('svg.quiz-chart rect.chart-bar').count() >= 1, 'a bar chart by topic');
check(await page.locator('.quiz-review > li').count() === total, 'every question is reviewed');
check(await page.locator('.quiz-review .quiz-wiki a[href^="/wiki/"]').count() === total,
  'every question links its wiki section');

// Copy the report and compare the clipboard with what the page shows.
const copyButton = page.locator('button', { hasText: 'Copy report' });
check(await copyButton.count() === 1, 'a Copy report button');
await copyButton.click();
await page.waitForFunction(
  () => [...document.querySelectorAll('button')].some((b) => b.textContent.includes('Copied')),
  null, { timeout: 5000 }).catch(() => {});
const clipboard = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
const shown = await page.locator('#report-text').textContent();
// Copy buttons drop the block's final newline (as for code blocks); everything else is exact.
check(clipboard.length > 100 && clipboard === shown.replace(/\n$/, ''), 'the clipboard holds the report exactly');
check(clipboard.includes('Learner:    Keyboard Learner') && clipboard.includes('Class:      LAB-7'),
  'the report names the learner and the class');
check(clipboard.includes(page.url()), 'the report holds its permalink');
await page.screenshot({ path: path.join(artifacts, 'quiz-result-desktop.png'), fullPage: true });
// On paper the report takes one sheet (print.css leaves the review on screen).
const pdf = await page.pdf({ format: 'A4', path: path.join(artifacts, 'quiz-report.pdf') });
const sheets = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
check(sheets === 1, `the report prints on one sheet (${sheets})`);
await page.setViewportSize({ width: 375, height: 800 });
await page.screenshot({ path: path.join(artifacts, 'quiz-result-phone.png'), fullPage: true });

// After a submit the stored answers are gone: the quiz starts empty again.
await page.setViewportSize({ width: 1280, height: 900 });
await collectCsp();
await page.goto(`${base}${topicHref}`);
check(await page.$$eval('.quiz-question input:checked', (x) => x.length) === 0,
  'a submitted quiz starts empty next time');

await finish();
