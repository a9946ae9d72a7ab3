// node chromium-snapshot.mjs OUT.heapsnapshot
// A heap snapshot written by headless Chromium through CDP
// (HeapProfiler.takeHeapSnapshot), of a page holding detached DOM trees,
// class instances, a Map and strings: a producer heapscope must read like
// DevTools. Prints the Chromium version.
import { open } from './lib/browser.mjs';
import { createWriteStream } from 'node:fs';

const [out] = process.argv.slice(2);
const PAGE = `<!doctype html><html><body><main id="app"></main><script>
  class Widget { constructor(i) { this.id = i; this.label = 'widget ' + i; this.el = document.createElement('span'); } }
  window.widgets = Array.from({ length: 500 }, (_, i) => new Widget(i));
  // Detached trees: built into the document, removed, still referenced.
  window.detached = [];
  for (let i = 0; i < 40; i++) {
    const tree = document.createElement('div');
    tree.innerHTML = '<ul>' + '<li class="row">item</li>'.repeat(25) + '</ul>';
    document.getElementById('app').appendChild(tree);
    detached.push(tree);
    tree.remove();
  }
  window.cache = new Map(widgets.map((w) => [w.label, { w, at: Date.now() }]));
  window.texts = Array.from({ length: 200 }, (_, i) => 'text-' + (i % 20).toString().repeat(30));
</script></body></html>`;

const { context, page } = await open();
try {
  await page.setContent(PAGE);
  const cdp = await context.newCDPSession(page);
  const file = createWriteStream(out);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => file.write(chunk));
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await new Promise((ok, fail) => file.end((e) => (e ? fail(e) : ok())));
  const { product } = await cdp.send('Browser.getVersion');
  process.stdout.write(JSON.stringify({ product }) + '\n');
} finally {
  await context.close();
}
