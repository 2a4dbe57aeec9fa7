// harness.mjs: what every browser test shares. Opens Debian's Chromium (headless, with a
// fresh profile, through playwright-core) on one page that records console errors, page
// errors, failed requests and Content-Security-Policy violations; `check` counts results;
// `finish` adds the "no problems" checks, closes the browser and exits with the verdict.
// Environment (set by run.sh): NODE_PATH, CHROMIUM, BASE_URL, ARTIFACTS, PROFILE_DIR.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH, 'x.js'));
const { chromium } = require('playwright-core');

export const base = process.env.BASE_URL;
export const artifacts = process.env.ARTIFACTS;

let failures = 0;
let checks = 0;

export function check(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.log(`FAILED: ${what}`);
  }
}

export async function openBrowser() {
  const context = await chromium.launchPersistentContext(process.env.PROFILE_DIR, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-quic'],
    viewport: { width: 1280, height: 900 },
  });
  const problems = [];
  const csp = [];
  const page = context.pages()[0] || await context.newPage();
  // CSP violations are collected inside the page: init scripts are injected by the browser,
  // not by the page, so the page's own CSP does not apply to them.
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  // Violations are per document: collect them before each navigation. A document whose
  // violations cannot be read (the collector is not in it, or the page is gone) is a failure,
  // never taken for "none" (issue 16).
  const unreadable = [];
  async function collectCsp() {
    let found;
    try {
      found = await page.evaluate(() => window.__csp);
    } catch (e) {
      unreadable.push(`${page.url()}: ${String(e.message).split('\n')[0]}`);
      return;
    }
    if (!Array.isArray(found)) {
      unreadable.push(`${page.url()}: the page has no violation collector`);
      return;
    }
    csp.push(...found);
  }
  async function finish() {
    await collectCsp();
    check(unreadable.length === 0, `CSP violations could be read: ${unreadable.join('; ')}`);
    check(csp.length === 0, `no CSP violations: ${csp.join('; ')}`);
    check(problems.length === 0, `no console errors or failed requests: ${problems.join('; ')}`);
    await context.close();
    console.log(`${checks} checks, ${failures} failed`);
    process.exit(failures ? 1 : 0);
  }
  return { context, page, problems, collectCsp, finish };
}
