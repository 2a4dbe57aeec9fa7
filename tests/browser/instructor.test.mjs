// instructor.test.mjs: the instructor's pages in a real browser (issue 15): the sign-in page,
// signing in with the token (ADMIN_TOKEN, the file run.sh gave the server), the dashboard
// of a small class (made through the quiz API) with its server-drawn chart, creating a
// class and its join page as a learner sees it. axe-core on each, in light and dark: no
// violation of serious or critical impact. Screenshots go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';
import { axeViolations } from './axe.mjs';

const { context, page, collectCsp, finish } = await openBrowser();

async function audited(name) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const bad = await axeViolations(page);
    check(bad.length === 0, `axe on ${name} (${scheme}): ${bad.join('; ')}`);
    await page.screenshot({ path: path.join(artifacts, `instructor-${name}-${scheme}.png`),
                            fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

// A few attempts, through the API as a learner's browser would send them.
const quiz = await (await context.request.get(`${base}/api/quiz?topic=audit-hooks`)).json();
for (const [k, name] of ['Ana', 'Ben', 'Cai', 'Dee'].entries()) {
  const answers = {};
  quiz.questions.forEach((q, j) => {
    if (q.type === 'short') answers[q.id] = 'nothing';
    else answers[q.id] = [q.options[(j + k) % q.options.length].value];
  });
  const body = { name, class: 'LAB-9', quiz: 'audit-hooks', answers };
  if (quiz.attempt) body.attempt = quiz.attempt;
  const r = await context.request.post(`${base}/api/quiz/submit`,
    { data: body, headers: { Origin: base } });
  check(r.status() === 201, `attempt of ${name} stored (${r.status()})`);
}

await page.goto(`${base}/instructor`);
check(page.url().endsWith('/instructor/login'), `the dashboard sends to the sign-in page (${page.url()})`);
await audited('login');
await page.fill('#token', process.env.ADMIN_TOKEN);
await Promise.all([page.waitForURL(/\/instructor$/), page.locator('form.instructor-login button').click()]);
check(await page.locator('h1').textContent() === 'Instructor', 'signed in: the dashboard');
check(await page.locator('.histogram svg rect.bar').count() === 10, 'the distribution has ten bars');
check(await page.locator('#h-questions ~ div table tbody tr').count() > 0 ||
      await page.locator('section[aria-labelledby="h-questions"] tbody tr').count() > 0,
      'the questions table has rows');
await audited('dashboard');

await collectCsp();
await page.goto(`${base}/instructor/classes`);
await page.fill('#c-name', 'Lab nine');
await page.fill('#c-code', 'LAB-9');
await Promise.all([page.waitForURL(/\/instructor\/classes\/LAB-9$/),
                   page.locator('form.instructor-form button[type="submit"]').first().click()]);
check((await page.locator('h1').textContent()).includes('LAB-9'), 'the class page opens');
await audited('class');

await collectCsp();
await page.goto(`${base}/join/LAB-9`);
check(await page.evaluate(() => window.localStorage.getItem('fa-learn-class')) === 'LAB-9',
      'the join page keeps the class code in the browser');
check(await page.locator('a[href*="/instructor"]').count() === 0, 'the join page does not link the instructor area');
await audited('join');

// The quiz page asks for itself again with the class the join link kept: the class's rules
// are shown before starting, and its code is filled in.
await collectCsp();
await page.goto(`${base}/quiz/audit-hooks`);
await page.waitForURL(/class=LAB-9/);
check(await page.locator('#quiz-class-rules').count() === 1, 'the quiz page states the class\'s rules');
check(await page.inputValue('#quiz-class') === 'LAB-9', 'the class code is filled in');
await finish();
