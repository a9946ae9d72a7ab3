#!/usr/bin/env node
// Writes three heap snapshots of one process whose heap grows between them (a
// leak on top of a large steady heap), for timing `leaks` and `diff`:
//   node --expose-gc --max-old-space-size=14000 bench/make-series.js OUT_DIR [scale]
// scale 1 gives snapshots of roughly 300 MB with node v20.
'use strict';
const v8 = require('node:v8');
const path = require('node:path');

const [outDir, scaleArg] = process.argv.slice(2);
const scale = Number(scaleArg || 1);
if (!outDir || !(scale > 0) || typeof global.gc !== 'function') {
  console.error('usage: node --expose-gc bench/make-series.js OUT_DIR [scale]');
  process.exit(2);
}
const count = k => Math.round(k * scale);

// The steady part: records in pages, each with its own string and a link.
class Record {
  constructor(i, previous) {
    this.key = 'record-' + i;
    this.previous = previous;
    this.weight = i / 3;
    this.tags = i % 4 === 0 ? ['a', 'b'] : null;
  }
}
const store = (globalThis.store = { pages: [] });
let previous = null;
for (let i = 0; i < count(900000); i++) {
  if (i % 200 === 0) store.pages.push([]);
  const r = new Record(i, i % 7 === 0 ? null : previous);
  store.pages[store.pages.length - 1].push(r);
  previous = r;
}

// The leak: every "request" leaves a session and a listener behind.
class Session {
  constructor(i) {
    this.id = 'session-' + i;
    this.started = Date.now();
    this.headers = { path: '/item/' + i, agent: 'bench' };
  }
}
const listeners = (globalThis.listeners = []);
let next = 0;
function requests(n) {
  for (let k = 0; k < n; k++) {
    const session = new Session(next++);
    listeners.push(function onUpdate() {
      return session.id;
    });
  }
}

requests(count(20000));
for (const name of ['s1', 's2', 's3']) {
  global.gc();
  const file = path.join(outDir, `${name}.heapsnapshot`);
  v8.writeHeapSnapshot(file);
  console.error(`wrote ${file}`);
  requests(count(40000));
}
