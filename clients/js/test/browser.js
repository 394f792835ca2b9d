// verify.html in headless Chromium: a valid page proof, the same proof with a tampered page, and a
// multi-contract range proof (all from docs/PROOFS.md's vectors), picked as files, root typed.
// Screenshots go to $PIECRUST_TEST_OUTPUT (default clients/js/test-output).
//   node test/browser.js        (Chromium at $CHROMIUM or /usr/bin/chromium)
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serve } from '../serve.js';
import { blocks, compactBytes } from './spec.js';

const here = dirname(fileURLToPath(import.meta.url));
const output = process.env.PIECRUST_TEST_OUTPUT ?? join(here, '..', 'test-output');
mkdirSync(output, { recursive: true });
const files = mkdtempSync(join(tmpdir(), 'piecrust-browser-'));

const vectors = Object.fromEntries(blocks('vector').map((v) => [v.name, v]));
function write(name, field) {
  const path = join(files, `${name}.${field}`);
  writeFileSync(path, compactBytes(vectors[name][field]));
  return path;
}

const cases = [
  { name: 'page-a1', claim: 'page', verdict: 'valid', text: ['VALID', 'page 1 (bytes 0x1000..0x1fff) of contract 5c20a611'] },
  { name: 'page-a1-tampered-page', claim: 'page', verdict: 'invalid', text: ['INVALID', 'do not lead to the root', 'The proof claims:'] },
  { name: 'range-multi', claim: 'data', verdict: 'valid', text: ['VALID', 'bytes 0x1000..0x2fff (8192 bytes) of contract 5c20a611', 'exists (its leaf alone, no bytes)'] },
];

const server = await serve(0);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  for (const c of cases) {
    await page.goto(server.url);
    await page.setInputFiles('#proof', write(c.name, 'proof'));
    await page.setInputFiles('#claim', write(c.name, c.claim));
    await page.fill('#root', vectors[c.name].root);
    await page.click('#verify');
    await page.waitForSelector('#result[data-verdict]');
    const verdict = await page.getAttribute('#result', 'data-verdict');
    const text = await page.textContent('#result');
    const screenshot = join(output, `browser-${c.name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    try {
      assert.equal(verdict, c.verdict, `${c.name}: verdict`);
      for (const fragment of c.text) assert.ok(text.includes(fragment), `${c.name}: '${fragment}' not in:\n${text}`);
      console.log(`ok - ${c.name}: ${verdict} (screenshot ${screenshot})`);
    } catch (error) {
      failed++;
      console.error(`not ok - ${error.message}`);
    }
  }
  assert.deepEqual(errors, [], 'errors in the page');
} finally {
  await browser.close();
  await server.close();
}
if (failed > 0) process.exit(1);
