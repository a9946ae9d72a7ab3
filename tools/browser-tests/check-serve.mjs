// node check-serve.mjs URL SCREENSHOT_PREFIX
// Drives heapscope serve's UI: waits for the Summary, opens the largest
// class, clicks its first instance, reads the retainers tree; screenshots.
import { open, report } from './lib/browser.mjs';

const [url, shot] = process.argv.slice(2);
const { context, page, seen } = await open();
try {
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#summary-table tbody tr.class-row', { timeout: 60000 });
  const first_page_ms = Date.now() - t0;
  const classes = await page.locator('tr.class-row').count();
  await page.screenshot({ path: `${shot}-summary.png` });
  // The first class with more than one object... or the first one.
  await page.locator('tr.class-row').first().click();
  await page.waitForSelector('tr.instance-row[data-id]', { timeout: 20000 });
  const instances = await page.locator('tr.instance-row[data-id]').count();
  await page.locator('tr.instance-row[data-id]').first().click();
  await page.waitForSelector('#retainers .node', { timeout: 20000 });
  const retainers = await page.locator('#retainers .node').count();
  const object_title = await page.locator('#object-title').textContent();
  const dominators = await page.locator('#dominators li').count();
  // Open the first retainer one level further.
  await page.locator('#retainers .node').first().click();
  await page.waitForTimeout(500);
  const retainers_after_open = await page.locator('#retainers .node').count();
  await page.screenshot({ path: `${shot}-object.png` });
  // Search by @id.
  const id = object_title.split('@').pop();
  await page.fill('#search', `@${id}`);
  await page.press('#search', 'Enter');
  await page.waitForSelector('#object-title', { timeout: 10000 });
  // The other tabs answer.
  const tabs = {};
  for (const tab of ['statistics', 'packages', 'strings', 'comparison', 'leaks']) {
    const button = page.locator(`button[data-tab="${tab}"]`);
    if (await button.isDisabled()) { tabs[tab] = 'disabled'; continue; }
    await button.click();
    await page.waitForFunction(() => !document.querySelector('#main .loading'), null, { timeout: 60000 });
    tabs[tab] = (await page.locator('#main .error').count()) ? await page.locator('#main .error').textContent() : 'ok';
    await page.screenshot({ path: `${shot}-${tab}.png` });
  }
  report(Object.assign({ first_page_ms, classes, instances, retainers, retainers_after_open, object_title, dominators, tabs }, seen));
} finally {
  await context.close();
}
