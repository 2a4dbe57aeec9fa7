// axe.mjs: axe-core over the current page (npm, installed with playwright-core from the lock
// file). axe's source is evaluated through the DevTools protocol, which the page's
// Content-Security-Policy does not govern (an injected <script> would be a CSP violation).
// Returns the violations of serious or critical impact, and moderate ones not accepted, as
// lines to report.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH, 'x.js'));
const axeSource = require('axe-core').source;

export async function axeViolations(page, acceptedModerate = new Map()) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = [];
  for (const v of result.violations) {
    if (v.impact === 'serious' || v.impact === 'critical' ||
        (v.impact === 'moderate' && !acceptedModerate.has(v.id))) {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ');
      bad.push(`${v.id} (${v.impact}, ${v.nodes.length}×: ${where})`);
    }
  }
  return bad;
}
