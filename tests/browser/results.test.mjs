// results.test.mjs (issue 14): the sandbox's result explained from one reading of it. The
// status line, the counters and the exception box agree for sys.exit(3), for a refusal of
// the OS layer (os.fork) and for a time limit (which keeps the Jail row); the engine's reason
// for an allow-listed event says the OS layer decides; a result with every optional field
// (note, denied_by, invalid UTF-8, a dropped and a shortened trace, the disk quota) shows
// each of them; paths are neutral (/sandbox, /python). Screenshots go to $ARTIFACTS. Run by run.sh.
import path from 'node:path';
import { artifacts, base, check, openBrowser } from './harness.mjs';

const { page, finish } = await openBrowser();

await page.goto(`${base}/sandbox`);
await page.waitForSelector('.CodeMirror');

async function runCode(code, timeLimit = '5000') {
  await page.evaluate((c) => document.querySelector('.CodeMirror').CodeMirror.setValue(c), code);
  await page.selectOption('#opt-time', timeLimit);
  await page.click('#sandbox-run');
  await page.waitForFunction(() => !document.getElementById('sandbox-run').disabled &&
    !document.getElementById('sandbox-status').textContent.includes('Running'), null,
  { timeout: 20000 });
  return (await page.locator('#sandbox-status').textContent()).trim();
}
const summary = (key) => page.locator(`#sandbox-summary [data-key="${key}"] dd`).textContent()
  .then((t) => t.trim(), () => null);

// sys.exit(3): an exit status, not "no exception" above a red box.
let status = await runCode('import sys\nprint("bye")\nsys.exit(3)\n');
check(!status.includes('no exception'), `sys.exit(3) does not say "no exception" (${status})`);
check(status.includes('exit status 3'), `the status line gives the exit status (${status})`);
check((await page.locator('#sandbox-status').getAttribute('class')).includes('is-warn'),
  'a non-zero exit status is a warning, not success');
check(await summary('status') === 'exit 3', 'the Status counter says exit 3');
check(await page.locator('#sandbox-exception.is-exit').isVisible(),
  'the SystemExit box is shown as an exit, not as an error');
check((await page.locator('#sandbox-exception h3').textContent()).includes('exit status 3'),
  'the box names the exit status');
await page.screenshot({ path: path.join(artifacts, 'results-sys-exit.png'), fullPage: true });

status = await runCode('import sys\nsys.exit(0)\n');
check((await page.locator('#sandbox-status').getAttribute('class')).includes('is-ok'),
  `sys.exit(0) is success (${status})`);

// os.fork: allowed by FastAudit, refused by seccomp. One count everywhere.
status = await runCode('import os\nos.fork()\n');
check(status.includes('OS layer'), `the status line names the OS layer (${status})`);
check(status.includes('0 denied by FastAudit') && status.includes('1 refused by the OS layer'),
  `the status line counts as the counters do (${status})`);
check(await summary('denied') === '0', 'counter: 0 denied by FastAudit');
check(await summary('os-denied') === '1', 'counter: 1 refused by the OS layer');
check(await summary('events') === '1' && await summary('allowed') === '1', 'counter: 1 event, 1 allowed');
check((await summary('denied-by') || '').includes('OS layer'), 'the Denied by row names the OS layer');
const forkRow = page.locator('#sandbox-trace tbody tr', { hasText: 'os.fork' });
const reason = (await forkRow.locator('.trace-reason').textContent()).trim();
check(reason.includes("on FastAudit's allow-list") && reason.includes('the OS layer decides') &&
  !reason.includes('harmless'), `the reason for os.fork is truthful (${reason})`);
check(!(await page.locator('#sandbox-classes').textContent()).includes('harmless'),
  'the class legend does not call allow-listed events harmless');
await page.screenshot({ path: path.join(artifacts, 'results-os-layer.png'), fullPage: true });

// A time limit: the note and the Jail row stay.
status = await runCode('while True:\n    pass\n', '1000');
check(status.includes('time limit'), `a time limit is said (${status})`);
check((await summary('jail') || '').includes('seccomp on'), 'a limit run keeps the Jail row');
check((await summary('note') || '').includes('1000 ms'), 'the note says what ended the run');

// Neutral paths: the scratch folder is /sandbox and the interpreter's folder /python, in
// output, exceptions and the trace alike; the server's own paths never show.
await runCode('import os, json\nprint(os.getcwd(), os.environ["HOME"], json.__file__)\n' +
  'try:\n    open(os.getcwd() + "/x", "w")\nexcept OSError:\n    pass\nopen(json.__file__ + "x")\n');
const printed = (await page.locator('#sandbox-stdout').textContent()).trim();
check(printed === '/sandbox /sandbox /python/lib/python3.13/json/__init__.py',
  `output shows neutral paths (${printed})`);
check((await page.locator('.sandbox-exception-text').textContent())
  .includes("'/python/lib/python3.13/json/__init__.pyx'"), `the exception shows /python (${await page.locator('.sandbox-exception-text').textContent()})`);
const traceText = await page.locator('#sandbox-trace tbody').textContent();
// (The reason's wording is the preset's: FastAudit's default does not name the root.)
check(traceText.includes("('/sandbox/x', 'w'"), 'the trace shows /sandbox in its arguments');
const whole = await page.locator('.sandbox-results').textContent();
check(!/\/runs\/run-|fa-learn\/python3|\.cache/.test(whole), 'no server path anywhere in the results');
await page.screenshot({ path: path.join(artifacts, 'results-neutral-paths.png'), fullPage: true });

// Every optional field of a result, from a made-up answer (runs that fill them all are slow).
await page.route('**/api/run', (route) => route.fulfill({
  status: 200,
  contentType: 'application/json',
  body: JSON.stringify({
    id: 1, status: 'limit', stdout: 'a\ufffdb', stderr: '', stdout_truncated: false,
    stderr_truncated: false, stdout_invalid_utf8: true, stderr_invalid_utf8: false,
    duration_ms: 12.5, limit: 'disk quota', signal: null, exception: null,
    trace: [{ event: 'open', args: "('big', 'w')", class: 'path-ok', decision: 'allow', reason: 'inside a root' }],
    trace_dropped: 7, trace_truncated: true,
    counters: { events: 8, allowed: 8, denied: 0, monitor_callbacks: 0, sites_disabled: 0, native_calls: 0 },
    denied_by: null, jail: { seccomp: true, landlock_abi: 7, no_new_privs: true, rlimits: true, ids_switched: true, netns: true, disk_quota_mb: 64 },
    note: "stopped: its scratch folder's 64 MiB disk quota is full",
  }),
}));
status = await runCode('print(1)\n');
await page.unroute('**/api/run');
check(status.includes('disk quota'), `the disk quota limit is said (${status})`);
check((await summary('note') || '').includes('disk quota is full'), 'the note is shown');
check((await summary('jail') || '').includes('disk quota 64 MiB'), 'the jail row gives the quota');
check(await page.locator('#sandbox-stdout .sandbox-invalid-utf8').count() === 1,
  'invalid UTF-8 in stdout is pointed out');
const missing = await page.locator('#sandbox-trace tr.sandbox-trace-missing')
  .textContent({ timeout: 2000 }).catch(() => '');
check(missing.includes('7 later decisions') && missing.includes('shortened'),
  `a dropped and a shortened trace are said (${missing})`);

await finish();
