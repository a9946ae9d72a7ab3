#!/usr/bin/env node
// Writes the heap snapshot of a graph rich in collections and in the shapes that
// make the dominator and retained-size work hard: many Maps and Sets (object
// keys and values), WeakMaps (ephemerons), WeakRefs, a FinalizationRegistry,
// a random graph with cycles through shared objects, objects shared by many
// parents, sliced and cons strings, and dictionary-mode objects (deleted
// properties, many keys, sparse elements). Deterministic (a seeded PRNG).
//
//   node --expose-gc --max-old-space-size=8192 bench/make-collections-heap.js OUT [scale]
//
// scale 1 gives roughly 300 MB with node v20. Prints the file written.
'use strict';
const v8 = require('node:v8');

const out = process.argv[2];
const scale = Number(process.argv[3] || 1);
if (!out || !(scale > 0) || typeof global.gc !== 'function') {
  console.error('usage: node --expose-gc make-collections-heap.js OUT [scale]');
  process.exit(2);
}
const started = Date.now();
// Counts below are for a unit heap; 0.56 units make scale 1 about 300 MB.
const n = k => Math.max(1, Math.round(k * scale * 0.56));
let seed = 0xc011ec7;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = k => Math.floor(rand() * k);

const world = (globalThis.collections = {});

// Objects shared by many parents: every other structure points into this pool.
class Shared {
  constructor(i) { this.i = i; this.tag = 'shared-' + i; this.peers = []; }
}
const shared = (world.shared = Array.from({length: n(20000)}, (_, i) => new Shared(i)));
for (const s of shared) for (let k = 0; k < 3; ++k) s.peers.push(shared[ri(shared.length)]);  // cycles

// A random graph with cycles: each vertex points to a few others and to shared objects,
// reachable from many entry points, so dominators are mostly far up.
class Vertex {
  constructor(i) { this.i = i; this.out = []; this.hub = null; this.weight = i * 0.25; }
}
const vertices = Array.from({length: n(600000)}, (_, i) => new Vertex(i));
for (const v of vertices) {
  const deg = 1 + ri(4);
  for (let k = 0; k < deg; ++k) v.out.push(vertices[ri(vertices.length)]);
  v.hub = shared[ri(shared.length)];
}
world.entries = Array.from({length: n(2000)}, () => vertices[ri(vertices.length)]);
world.chains = [];   // a few long chains, deep in the DFS
for (let c = 0; c < 20; ++c) {
  let head = null;
  for (let k = 0; k < n(5000); ++k) head = {next: head, v: vertices[ri(vertices.length)]};
  world.chains.push(head);
}

// Maps: one big Map keyed by objects, and many small Maps keyed by strings and numbers.
world.byVertex = new Map();
for (let i = 0; i < n(250000); ++i) world.byVertex.set(vertices[ri(vertices.length)], {seen: i, hub: shared[ri(shared.length)]});
world.smallMaps = [];
for (let i = 0; i < n(25000); ++i) {
  const m = new Map();
  const size = 2 + ri(20);
  for (let k = 0; k < size; ++k) m.set(k % 2 ? 'k' + k : k, k % 3 ? shared[ri(shared.length)] : {k});
  world.smallMaps.push(m);
}
// Sets of shared objects and of vertices, and Sets that hold one another.
world.sets = [];
for (let i = 0; i < n(20000); ++i) {
  const s = new Set();
  const size = 1 + ri(16);
  for (let k = 0; k < size; ++k) s.add(k % 2 ? shared[ri(shared.length)] : vertices[ri(vertices.length)]);
  if (i > 0 && i % 10 === 0) s.add(world.sets[ri(world.sets.length)]);
  world.sets.push(s);
}

// WeakMaps: keys held elsewhere (live ephemerons) and values only the WeakMap keeps.
world.weakMaps = [];
for (let w = 0; w < n(40); ++w) {
  const wm = new WeakMap();
  for (let k = 0; k < 5000; ++k) wm.set(vertices[ri(vertices.length)], {meta: w * 5000 + k, list: [k, w]});
  world.weakMaps.push(wm);
}
// WeakRefs: to vertices (strongly held elsewhere) and to objects only they point at (kept
// by the WeakRef's KeepDuringJob set until the job ends; the snapshot is taken later).
world.weakRefs = [];
const weaklyHeld = [];
for (let i = 0; i < n(120000); ++i) {
  if (i % 4 === 0) {
    const o = {only: i};
    weaklyHeld.push(o);             // strongly held too, so it is in the snapshot
    world.weakRefs.push(new WeakRef(o));
  } else {
    world.weakRefs.push(new WeakRef(vertices[ri(vertices.length)]));
  }
}
world.weaklyHeld = weaklyHeld;
// A FinalizationRegistry with many registrations (held values and unregister tokens).
let finalized = 0;
world.registry = new FinalizationRegistry(held => { finalized += held.n; });
world.tokens = [];
for (let i = 0; i < n(60000); ++i) {
  const target = vertices[ri(vertices.length)];
  const token = {token: i};
  world.registry.register(target, {n: 1, at: i}, token);
  if (i % 2 === 0) world.tokens.push(token);
}

// Strings: flat bases, sliced strings into them, cons strings of two parts, and
// strings shared between many holders.
world.bases = Array.from({length: 200}, (_, b) => {
  let s = '';
  for (let k = 0; k < 400; ++k) s += String.fromCharCode(97 + ((b + k * 7) % 26)) + k;
  return s.split('').join('');     // flat (sequential) string
});
world.sliced = [];
for (let i = 0; i < n(200000); ++i) {
  const base = world.bases[i % world.bases.length];
  const at = ri(base.length - 64);
  world.sliced.push(base.slice(at, at + 13 + ri(48)));   // >= 13 chars: a SlicedString
}
world.cons = [];
for (let i = 0; i < n(200000); ++i) {
  const a = world.sliced[ri(world.sliced.length)];
  world.cons.push(a + '/' + i + '/' + world.bases[i % 200].slice(0, 20));   // ConsStrings
}
const common = Array.from({length: 500}, (_, i) => 'common-string-value-' + i);
world.holders = Array.from({length: n(150000)}, (_, i) => ({a: common[i % 500], b: common[(i * 7) % 500], s: shared[i % shared.length]}));

// Dictionary-mode objects: a deleted property, many keys, and sparse elements.
world.dicts = [];
for (let i = 0; i < n(40000); ++i) {
  const o = {a: i, b: 'x' + i, c: shared[ri(shared.length)], d: null, e: i * 2};
  delete o.b;                        // deleting a non-last property: dictionary mode
  o['key-' + (i % 1000)] = vertices[ri(vertices.length)];
  world.dicts.push(o);
}
world.bigDicts = [];
for (let i = 0; i < n(150); ++i) {
  const o = {};
  for (let k = 0; k < 2000; ++k) o['p' + i + '_' + k] = k % 5 ? k : shared[ri(shared.length)];
  world.bigDicts.push(o);
}
world.sparse = [];
for (let i = 0; i < n(3000); ++i) {
  const a = [];
  for (let k = 0; k < 20; ++k) a[k * 100003] = k % 2 ? vertices[ri(vertices.length)] : 'v' + k;   // dictionary elements
  world.sparse.push(a);
}

global.gc();
global.gc();
const t = Date.now();
v8.writeHeapSnapshot(out);
console.error(`make-collections-heap.js: snapshot written in ${((Date.now() - t) / 1000).toFixed(1)} s ` +
  `(${((Date.now() - started) / 1000).toFixed(1)} s in all; ${finalized} finalized)`);
console.log(out);
