// Launches Debian's chromium headless through playwright-core and watches a
// page: console errors, page errors and every request it makes.
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.HEAPSCOPE_CHROMIUM || '/usr/bin/chromium';

export async function open() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'heapscope-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] || await context.newPage();
  const seen = { console_errors: [], page_errors: [], requests: [], failed_requests: [] };
  page.on('console', (m) => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
  page.on('pageerror', (e) => seen.page_errors.push(String(e)));
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('requestfailed', (r) => seen.failed_requests.push(`${r.url()}: ${r.failure()?.errorText}`));
  return { context, page, seen };
}

/** Prints the findings as one JSON line for the Rust test to check. */
export function report(findings) {
  process.stdout.write(JSON.stringify(findings) + '\n');
}
