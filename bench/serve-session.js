// Times `heapscope serve` as a user would meet it: from the start of the
// process to the first Summary page, then a scripted session of the UI's
// requests (Summary pages and sorts, a class's instances, objects, their
// retainers and edges, the other views, searches), twice: round 1 right
// after the first page (while the background build of the packages and
// strings tables may still run), round 2 once everything is built. Prints per-request
// latencies (p50/p99/max) as a table and one JSON line. Loopback only.
//
//   node bench/serve-session.js HEAPSCOPE_BIN SNAPSHOT [SNAPSHOT…]
'use strict';
const { spawn } = require('node:child_process');

const [bin, ...files] = process.argv.slice(2);
if (!bin || !files.length) {
  console.error('usage: node bench/serve-session.js HEAPSCOPE_BIN SNAPSHOT [SNAPSHOT…]');
  process.exit(2);
}

function start() {
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, ['serve', ...files, '--bind', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (d) => {
      text += d;
      const m = text.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve({ child, base: m[1], t0 });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${text}`)));
  });
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const times = {};
let round = 0;

async function get(base, path, kind) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(base + path.replace(/^\//, ''));
  const body = await r.json();
  const took = ms(t0);
  if (kind) {
    (times[kind] ||= []).push(took);
    (times[`all, round ${round}`] ||= []).push(took);
  }
  return { status: r.status, body };
}

async function firstPage(base, t0) {
  for (;;) {
    const r = await get(base, '/api/snapshots/0/summary?limit=100');
    if (r.status === 200) return { ms: ms(t0), page: r.body };
    if (r.status !== 503) throw new Error(JSON.stringify(r.body));
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

async function session(base, s) {
  const p = `/api/snapshots/${s}`;
  const summary = (await get(base, `${p}/summary?limit=100`, 'summary page')).body;
  for (const sort of ['self', 'count', 'distance', 'name']) await get(base, `${p}/summary?limit=100&sort=${sort}`, 'summary sorted');
  await get(base, `${p}/summary?offset=100&limit=100`, 'summary page');
  await get(base, `${p}/summary?filter=Array&limit=100`, 'summary filtered');
  for (const c of summary.items.slice(0, 10)) {
    const list = (await get(base, `${p}/classes/${c.index}/instances?limit=50`, 'instances')).body;
    await get(base, `${p}/classes/${c.index}/instances?offset=50&limit=50`, 'instances');
    for (const o of list.items.slice(0, 3)) {
      const node = (await get(base, `${p}/nodes/${o.id}`, 'object')).body;
      const ret = (await get(base, `${p}/nodes/${o.id}/retainers?limit=50`, 'retainers')).body;
      await get(base, `${p}/nodes/${o.id}/edges?limit=50`, 'edges');
      if (ret.items && ret.items[0]) await get(base, `${p}/nodes/${ret.items[0].node.id}/retainers?limit=50`, 'retainers');
      if (node.dominator_chain && node.dominator_chain[1]) await get(base, `${p}/nodes/${node.dominator_chain[1].id}`, 'object');
    }
  }
  await get(base, `${p}/statistics`, 'statistics');
  await get(base, `${p}/packages?limit=200`, 'packages');
  await get(base, `${p}/strings?limit=200`, 'strings');
  await get(base, `${p}/search?q=%40${summary.items[0] ? 1 : 1}`, 'search');
  await get(base, `${p}/search?q=Map`, 'search');
}

function pct(list, q) {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

(async () => {
  const { child, base, t0 } = await start();
  try {
    const first = await firstPage(base, t0);
    console.log(`first Summary page: ${(first.ms / 1000).toFixed(2)} s after start (${first.page.total} classes)`);
    for (round = 1; round <= 2; round++) {
      for (let s = 0; s < files.length; s++) await session(base, s);
      if (files.length > 1) await get(base, `/api/compare?base=0&target=${files.length - 1}&limit=200`, 'compare');
    }
    const rows = Object.entries(times).map(([kind, l]) => ({ kind, n: l.length, p50: pct(l, 0.5), p99: pct(l, 0.99), max: Math.max(...l) }));
    for (const r of rows) console.log(`${r.kind.padEnd(18)} n=${String(r.n).padStart(4)}  p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  max ${r.max.toFixed(1).padStart(7)} ms`);
    console.log(JSON.stringify({ first_page_ms: first.ms, rows }));
  } finally {
    child.kill('SIGINT');
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
