// node check-report.mjs REPORT.html SCREENSHOT.png
// Opens a heapscope report from file:// and prints what it shows as JSON:
// console errors, requests beyond the file itself, suspects, chart points.
import { open, report } from './lib/browser.mjs';
import { pathToFileURL } from 'node:url';

const [file, shot] = process.argv.slice(2);
const url = pathToFileURL(file).href;
const { context, page, seen } = await open();
try {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#verdict', { timeout: 20000 });
  const findings = await page.evaluate(() => {
    const points = (sel) => [...document.querySelectorAll(sel)].map((s) => Number(s.getAttribute('data-points')));
    return {
      title: document.title,
      sections: [...document.querySelectorAll('section.card')].map((s) => s.id),
      suspects: [...document.querySelectorAll('#verdict .suspect')].map((s) => s.getAttribute('data-class')),
      first_suspect_text: document.querySelector('#verdict .suspect')?.textContent || '',
      path_boxes: document.querySelectorAll('#verdict .suspect .chain .box').length,
      sparkline_points: points('#verdict .spark'),
      timeline_points: points('#timeline svg.line-chart'),
      timeline_series: document.querySelectorAll('#timeline polyline.series').length,
      snapshot_markers: document.querySelectorAll('#timeline line.marker').length,
      load_bands: document.querySelectorAll('#timeline rect.band').length,
      statistics_bars: points('#statistics svg.bars'),
      summary_rows: document.querySelectorAll('#summary tbody tr').length,
      comparison_rows: document.querySelectorAll('#comparison tbody tr').length,
      package_rows: document.querySelectorAll('#packages tbody tr').length,
      load_rows: document.querySelectorAll('#load tbody tr').length,
    };
  });
  // Sorting and filtering the Summary work in the page.
  await page.fill('#summary input.filter', 'string');
  findings.summary_rows_filtered = await page.locator('#summary tbody tr').count();
  await page.screenshot({ path: shot, fullPage: true });
  findings.other_requests = seen.requests.filter((r) => r !== url);
  report(Object.assign(findings, seen));
} finally {
  await context.close();
}
