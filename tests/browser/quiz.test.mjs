// quiz.test.mjs: takes a topic's quiz in Debian's headless Chromium with the keyboard only,
// checks that a reload keeps the unsent answers, submits, and on the result page clicks
// "Copy report", reads the clipboard and compares it with the report shown. Screenshots of
// the quiz and the result at desktop and phone widths go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { context, page, problems, collectCsp, finish } = await openBrowser();
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });

// The list of quizzes; open the first topic's quiz.
await page.goto(`${base}/quiz`);
check(await page.locator('a[href="/quiz/all"]').count() === 1, '/quiz offers the full quiz');
const topicLink = page.locator('.quiz-list a').nth(1);
const topicHref = await topicLink.getAttribute('href');
await collectCsp();
await Promise.all([page.waitForNavigation(), topicLink.click()]);
check(new URL(page.url()).pathname === topicHref, `the topic's quiz opens (${topicHref})`);
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

// The options keep their order over a reload, and the attempt its start time (issue 14:
// the signed attempt token is kept with the answers and in the address).
const orderOf = () => page.$$eval('.quiz-options label', (xs) => xs.map((x) => x.textContent).join('|'));
const tokenOf = () => page.inputValue('input[name="attempt"]');
const orderBefore = await orderOf();
const tokenBefore = await tokenOf();
check(/^\d+\.\d+\.[0-9a-f]{64}$/.test(tokenBefore), `the page carries a signed attempt token (${tokenBefore})`);
check(new URL(page.url()).searchParams.get('attempt') === tokenBefore, 'the address names the attempt');
await collectCsp();
await page.reload();
check(await orderOf() === orderBefore && await tokenOf() === tokenBefore,
  'a reload keeps the order of the options and the attempt (its start time)');
// Opened afresh from the list, the quiz goes back to the kept attempt.
await collectCsp();
await page.goto(`${base}${topicHref}`);
await page.waitForURL((u) => u.searchParams.get('attempt') === tokenBefore);
check(await tokenOf() === tokenBefore && await orderOf() === orderBefore &&
  await page.$$eval('.quiz-question input:checked', (x) => x.length) === chosenBefore,
  'opened again from its link, the quiz shows the kept attempt with its answers');

// Issue 14: a name of only spaces. The browser's own check (pattern) is bypassed with
// novalidate, as a browser without it would: the server answers the quiz again with every
// answer filled in and the error next to the name; nothing is lost, without JavaScript too.
const answersBefore = await page.$$eval('.quiz-question input', (inputs) =>
  inputs.map((i) => (i.type === 'text' ? i.value : String(i.checked))).join('|'));
await page.fill('#quiz-name', '   ');
await page.evaluate(() => document.getElementById('quiz-form').setAttribute('novalidate', ''));
await collectCsp();
const [refusedResponse] = await Promise.all([
  page.waitForNavigation(),
  page.locator('#quiz-form button[type="submit"]').click(),
]);
check(refusedResponse.status() === 422, `a refused name answers 422 (${refusedResponse.status()})`);
check(await page.locator('#quiz-name[aria-invalid="true"]').count() === 1, 'the name is marked invalid');
check((await page.locator('#quiz-name-error').textContent()).includes('your name'),
  'the error is next to the name');
check(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'quiz-name',
  'focus is on the name');
const answersRefused = await page.$$eval('.quiz-question input', (inputs) =>
  inputs.map((i) => (i.type === 'text' ? i.value : String(i.checked))).join('|'));
check(answersRefused === answersBefore, 'every answer is still chosen after the refusal');
check(await orderOf() === orderBefore, 'in the same order');
check(await page.inputValue('#quiz-class') === 'LAB-7', 'the class code is kept');
await page.screenshot({ path: path.join(artifacts, 'quiz-refused-name.png'), fullPage: true });
await page.setViewportSize({ width: 390, height: 800 });
await page.screenshot({ path: path.join(artifacts, 'quiz-refused-name-phone.png') });
await page.setViewportSize({ width: 1280, height: 900 });
await collectCsp();
await page.reload();
check(await page.$$eval('.quiz-question input:checked', (x) => x.length) === chosenBefore,
  'the answers are still kept in the browser after the refusal');
await page.fill('#quiz-name', '  Keyboard Learner  ');
// The 422 was this step's point, not a failed request (the response and its console note).
problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('422')));

check(await tokenOf() === tokenBefore, 'the refusal keeps the attempt');

// Submit with the keyboard: Enter on the submit button.
await page.locator('#quiz-form button[type="submit"]').focus();
await collectCsp();
await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
check(/\/report\/[0-9a-f]{32}$/.test(page.url()), `submitting lands on the permalink (${page.url()})`);
check((await page.locator('h1').textContent()).trim() === 'Result: Keyboard Learner',
  'the result names the learner, trimmed');
check(await page.locator(`.quiz-next a[href="${topicHref}"]`).count() === 1, 'a retake link');
check(await page.locator('.quiz-next a', { hasText: 'Next topic' }).count() === 1, 'a next-topic link');
// ... and the wiki sections of the questions missed, each once.
const missedSections = await page.$$eval('.quiz-review > li:not(.is-correct) .quiz-wiki a',
  (as) => [...new Set(as.map((a) => a.getAttribute('href')))].sort());
const reread = await page.$$eval('.quiz-reread-list a', (as) => as.map((a) => a.getAttribute('href')).sort());
check(JSON.stringify(reread) === JSON.stringify(missedSections),
  `"Read again" links each missed question's wiki section once (${reread.length} of ${missedSections.length})`);
// Each is named as the wiki titles it: "Page › Section", the section's own heading.
const labels = await page.$$eval('.quiz-reread-list a', (as) => as.map((a) => ({
  href: a.getAttribute('href'), text: a.textContent })));
const wikiTab = await page.context().newPage();
for (const { href, text } of labels.slice(0, 3)) {
  await wikiTab.goto(new URL(href, page.url()).toString());
  const [pageTitle, section] = text.split(' › ');
  const anchor = href.split('#')[1];
  const heading = anchor ? (await wikiTab.locator(`[id="${anchor}"]`).textContent()).trim() : '';
  check((await wikiTab.locator('h1').textContent()).trim() === pageTitle &&
        (!anchor || heading.startsWith(section)),
        `"Read again" names ${href} by its headings ("${text}", heading "${heading}")`);
}
await wikiTab.close();
// The chart's and the report's percentages agree (one rounding rule).
const chartPcts = await page.$$eval('svg.quiz-chart .chart-value', (ts) => ts.map((t) => t.textContent));
const reportText = await page.locator('#report-text').textContent();
check(chartPcts.length >= 1 && chartPcts.every((p) => reportText.includes(p)),
  `the chart's percentages are the report's (${chartPcts.join(' ')})`);
check(await page.locator('svg.quiz-chart rect.chart-bar').count() >= 1, 'a bar chart by topic');
check(await page.locator('.quiz-review > li').count() === total, 'every question is reviewed');
check(await page.locator('.quiz-review .quiz-wiki a[href^="/wiki/"]').count() === total,
  'every question links its wiki section');

const reportUrl = page.url();
const reportPct = (await page.locator('.quiz-score strong').nth(1).textContent()).trim();

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
// On a phone the chart's text stays legible (issue 14: about 7 px before).
const chartFont = await page.$eval('svg.quiz-chart .chart-label', (t) => t.getBoundingClientRect().height);
check(chartFont >= 11, `the chart's labels are legible on a phone (${chartFont.toFixed(1)} px high)`);
const clipped = await page.$$eval('svg.quiz-chart .chart-label', (ts) => ts.some((t) =>
  t.getBoundingClientRect().right > t.ownerSVGElement.getBoundingClientRect().right + 0.5));
check(!clipped, 'no topic label is clipped');

// After a submit the stored answers are gone: the quiz starts empty again.
await page.setViewportSize({ width: 1280, height: 900 });
await collectCsp();
await page.goto(`${base}${topicHref}`);
check(await page.$$eval('.quiz-question input:checked', (x) => x.length) === 0,
  'a submitted quiz starts empty next time');

// Issue 14: the quiz index lists the reports this browser submitted, with their scores from
// the server, so a lost permalink loses nothing.
await collectCsp();
await page.goto(`${base}/quiz`);
await page.waitForSelector('#quiz-mine:not([hidden]) .quiz-mine-item');
const mine = page.locator('#quiz-mine .quiz-mine-item');
check(await mine.count() === 1, `one report of this browser is listed (${await mine.count()})`);
check(await mine.first().locator('a').getAttribute('href') === new URL(reportUrl).pathname,
  'it links the permalink');
const mineText = await mine.first().textContent();
check(mineText.includes(`(${reportPct})`) && mineText.includes('Keyboard Learner'),
  `with the score from the server (${mineText})`);
await page.screenshot({ path: path.join(artifacts, 'quiz-index-reports.png'), fullPage: true });
// A report opened from a link (someone else's, sent through the API) does not join the list.
const api = await (await page.request.get(`${base}/api/quiz`)).json();
const other = await (await page.request.post(`${base}/api/quiz/submit`, {
  data: { name: 'Someone Else', quiz: 'all', attempt: api.attempt, answers: {} } })).json();
await collectCsp();
await page.goto(other.report_url);
check((await page.locator('h1').textContent()).includes('Someone Else'), "another learner's report opens");
await collectCsp();
await page.goto(`${base}/quiz`);
await page.waitForSelector('#quiz-mine:not([hidden]) .quiz-mine-item');
check(await mine.count() === 1, 'the list holds only what this browser submitted');

// Issue 14: the full quiz's report, every question to review (the longest report there is),
// prints on at most two A4 sheets, with the chart's labels legible on paper.
const full = await (await page.request.post(`${base}/api/quiz/submit`, {
  data: { name: 'Full Quiz Printer', quiz: 'all', attempt: api.attempt, answers: {} } })).json();
await collectCsp();
await page.goto(full.report_url);
const fullPdf = await page.pdf({ format: 'A4', path: path.join(artifacts, 'quiz-report-full.pdf') });
const fullSheets = (fullPdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
check(fullSheets >= 1 && fullSheets <= 2, `the full quiz's report prints on at most 2 sheets (${fullSheets})`);
await page.emulateMedia({ media: 'print' });
const printLabel = await page.$eval('svg.quiz-chart-print .chart-label', (t) => t.getBoundingClientRect().height);
// 10.7 CSS px is 8 pt.
check(printLabel >= 10.7, `the chart's labels are legible in print (${printLabel.toFixed(1)} px high)`);
const printClipped = await page.$$eval('svg.quiz-chart-print .chart-label', (ts) => ts.some((t) =>
  t.getBoundingClientRect().right > t.ownerSVGElement.getBoundingClientRect().right + 0.5));
check(!printClipped, 'no topic label is clipped in print');
await page.screenshot({ path: path.join(artifacts, 'quiz-report-full-print.png'), fullPage: true });
await page.emulateMedia({ media: 'screen' });
await collectCsp();
await page.goto(`${base}/quiz`);
await page.waitForSelector('#quiz-mine:not([hidden]) .quiz-mine-item');
await page.locator('#quiz-mine-forget').click();
check(await page.locator('#quiz-mine').isHidden(), 'Forget this list hides it');
await page.reload();
check(await page.locator('#quiz-mine').isHidden(), 'and it stays forgotten');

await finish();
