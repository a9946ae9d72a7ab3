// Drives one corpus app with real loopback HTTP requests and writes three heap
// snapshots of the one process:
//   node --expose-gc driver.js PATTERN_DIR/ENTRY.js OUT_DIR [REQUESTS_PER_ROUND]
// ENTRY exports `handle(req, res)` (the app's request handler) and may export
// `upstream(req, res)` (a backend the app calls; `process.env.UPSTREAM` is its
// URL once it listens) and `setup()` (awaited before the first request).
// Rounds: warm-up, S1, round, S2, round, S3. Only 127.0.0.1 is contacted, every
// loop is bounded and the whole run gives up after 60 s.
'use strict';
const http = require('http');
const path = require('path');
const v8 = require('v8');

const [entry, outDir, perRound = '400'] = process.argv.slice(2);
const ROUND = Number(perRound);
const CONCURRENCY = 8;
setTimeout(() => {
  console.error(`${entry}: gave up after 60 s`);
  process.exit(2);
}, 60_000).unref();

function listen(handler) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
let port;
let next = 0;

function send(i) {
  const body = JSON.stringify({
    order: i,
    customer: `customer-${i % 97}`,
    items: Array.from({ length: 4 }, (_, k) => ({ sku: `sku-${(i * 7 + k) % 1000}`, qty: 1 + (k % 3) })),
    note: 'n'.repeat(200 + (i % 50)),
  });
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: 'POST',
        path: `/orders/${i}?ref=${i.toString(36)}`,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-request-id': `req-${i}`,
          cookie: i % 2 ? '' : `theme=dark`,
        },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', resolve);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', resolve);
    req.end(body);
  });
}

async function round() {
  const end = next + ROUND;
  const worker = async () => {
    while (next < end) await send(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  // let callbacks scheduled by the last responses run
  for (let k = 0; k < 5; k++) await new Promise((r) => setTimeout(r, 5));
}

function snapshot(name) {
  global.gc();
  v8.writeHeapSnapshot(path.join(outDir, `${name}.heapsnapshot`));
}

(async () => {
  const app = require(path.resolve(entry));
  if (app.upstream) {
    const up = await listen(app.upstream);
    process.env.UPSTREAM = `http://127.0.0.1:${up.address().port}`;
  }
  if (app.setup) await app.setup();
  port = (await listen(app.handle)).address().port;
  // warm-up: code, caches and pools settle
  for (let k = 0; k < Number(process.env.WARMUP_ROUNDS || 1); k++) await round();
  snapshot('s1');
  await round();
  snapshot('s2');
  await round();
  snapshot('s3');
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
