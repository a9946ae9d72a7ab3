#!/usr/bin/env node
// Writes the heap snapshot of an application-like heap: a real express 4 app
// (bench/app, installed with `npm ci`) with hundreds of routes in routers,
// middleware closures, an LRU-ish cache of rendered responses (a Map), user
// sessions (nested objects, Dates, arrays, small Buffers), metrics and an access
// log. It is grown by requests sent from inside the process to 127.0.0.1
// (bounded by count and time), then by calling the same handlers directly
// with light request/response objects (much faster than HTTP), and written with
// v8.writeHeapSnapshot.
//
//   node --expose-gc --max-old-space-size=8192 bench/make-app-heap.js OUT [scale]
//
// scale 1 gives roughly 300 MB with node v20. Prints the file written.
'use strict';
const path = require('node:path');
const http = require('node:http');
const v8 = require('node:v8');

const out = process.argv[2];
const scale = Number(process.argv[3] || 1);
if (!out || !(scale > 0) || typeof global.gc !== 'function') {
  console.error('usage: node --expose-gc make-app-heap.js OUT [scale]');
  process.exit(2);
}
let express;
try {
  express = require(require.resolve('express', {paths: [path.join(__dirname, 'app')]}));
} catch (e) {
  console.error('make-app-heap.js: express is not installed: run tools/npm-ci-once.sh bench/app');
  process.exit(1);
}
const started = Date.now();
const n = k => Math.max(1, Math.round(k * scale));

// Deterministic pseudo-random numbers (mulberry32), so every run makes the same heap.
let seed = 0x5eed;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = a => a[Math.floor(rand() * a.length)];

// ---- application state ---------------------------------------------------
class LruCache {
  constructor(max) {
    this.max = max;
    this.map = new Map();
    this.hits = 0;
    this.misses = 0;
  }
  get(key) {
    const e = this.map.get(key);
    if (!e) { this.misses++; return undefined; }
    this.map.delete(key);          // move to the newest end
    this.map.set(key, e);
    e.hits++;
    this.hits++;
    return e;
  }
  set(key, entry) {
    this.map.delete(key);
    this.map.set(key, entry);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
  }
}
class CachedResponse {
  constructor(body, status, type) {
    this.body = body;
    this.status = status;
    this.etag = 'W/"' + body.length.toString(16) + '-' + Math.floor(rand() * 1e9).toString(36) + '"';
    this.headers = {'content-type': type, 'cache-control': 'max-age=60', etag: this.etag};
    this.storedAt = new Date();
    this.hits = 0;
    // One response in eight is kept as bytes too (as a compression cache would).
    this.raw = rand() < 0.125 ? Buffer.from(body) : null;
  }
}
class Session {
  constructor(sid, user) {
    this.sid = sid;
    this.user = user;
    this.createdAt = new Date();
    this.lastSeen = new Date();
    this.csrf = Buffer.from(sid + ':csrf');           // a small pooled Buffer
    this.history = [];
    this.cart = {items: [], coupon: null, currency: pick(['EUR', 'USD', 'GBP'])};
    this.flash = [];
    this.data = {theme: pick(['light', 'dark']), locale: pick(['en-GB', 'de-DE', 'fr-FR']), views: 0};
  }
}
class User {
  constructor(i) {
    this.id = i;
    this.name = 'user' + i;
    this.email = 'user' + i + '@example.test';
    this.roles = i % 50 === 0 ? ['admin', 'editor', 'reader'] : ['reader'];
    this.profile = {
      joined: new Date(2020, i % 12, 1 + (i % 28)),
      address: {street: i + ' Main Street', city: pick(['Berlin', 'Paris', 'Leeds', 'Lyon']), zip: String(10000 + (i % 90000))},
      tags: ['t' + (i % 7), 't' + (i % 11), 't' + (i % 13)],
    };
  }
}

const state = (globalThis.appState = {
  cache: new LruCache(n(25000)),
  sessions: new Map(),
  users: [],
  metrics: new Map(),     // route -> {count, statuses, latency histogram}
  accessLog: [],          // ring buffer of log lines
  accessLogMax: n(22000),
  products: [],
});
for (let i = 0; i < n(22000); ++i) state.users.push(new User(i));
for (let i = 0; i < 2000; ++i) {
  state.products.push({sku: 'SKU-' + i, title: 'Product number ' + i, price: (i % 500) + 0.99, stock: i % 37});
}

// ---- the express app -------------------------------------------------------
const app = express();
app.disable('x-powered-by');
app.set('etag', false);

// Middleware closures: each captures state of its own.
function requestId() {
  let next = 0;
  return (req, res, nextFn) => { req.id = ++next; nextFn(); };
}
function sessionMiddleware() {
  const cookieName = 'sid';
  return (req, res, next) => {
    const m = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie || '');
    const sid = m ? m[1] : 's' + Math.floor(rand() * n(16000));
    let s = state.sessions.get(sid);
    if (!s) {
      s = new Session(sid, state.users[state.sessions.size % state.users.length]);
      state.sessions.set(sid, s);
    }
    s.lastSeen = new Date();
    s.data.views++;
    req.session = s;
    req.cookieName = cookieName;
    next();
  };
}
function metricsMiddleware(routeName) {
  const m = {route: routeName, count: 0, statuses: {}, latency: new Array(16).fill(0)};
  state.metrics.set(routeName, m);
  return (req, res, next) => {
    const t0 = process.hrtime.bigint();
    m.count++;
    res.on('finish', () => {
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      m.latency[Math.min(15, Math.floor(Math.log2(1 + us)))]++;
      m.statuses[res.statusCode] = (m.statuses[res.statusCode] || 0) + 1;
    });
    next();
  };
}
function accessLog() {
  return (req, res, next) => {
    const line = new Date().toISOString() + ' ' + req.method + ' ' + req.url + ' sid=' + (req.session ? req.session.sid : '-');
    if (state.accessLog.length >= state.accessLogMax) state.accessLog[req.id % state.accessLogMax] = line;
    else state.accessLog.push(line);
    next();
  };
}
app.use(requestId());
app.use(sessionMiddleware());
app.use(accessLog());

function render(section, route, id, session) {
  const p = state.products[(id * 7 + route) % state.products.length];
  return '<!doctype html><html lang="' + session.data.locale + '"><head><title>' + section + ' ' + route + '/' + id +
    '</title></head><body class="' + session.data.theme + '"><h1>' + p.title + '</h1><p>Price ' + p.price +
    ' ' + session.cart.currency + ', ' + p.stock + ' in stock.</p><p>Hello ' + session.user.name + ', item ' + id +
    ' of route ' + route + ' in ' + section + '.</p></body></html>';
}
// The handler of one route: a closure over its route data.
function makeHandler(section, route) {
  const routeInfo = {section, route, path: '/' + section + '/r' + route + '/:id', createdAt: new Date()};
  return function handler(req, res) {
    const id = Number(req.params.id) || 0;
    const key = routeInfo.section + '/' + routeInfo.route + '/' + id + '?' + req.session.data.locale;
    let entry = state.cache.get(key);
    if (!entry) {
      entry = new CachedResponse(render(section, route, id, req.session), 200, 'text/html; charset=utf-8');
      state.cache.set(key, entry);
    }
    const s = req.session;
    s.history.push({path: req.url, at: new Date(), status: 200, route: routeInfo});
    if (s.history.length > 24) s.history.shift();
    if (id % 5 === 0) {
      s.cart.items.push({sku: state.products[id % state.products.length].sku, qty: 1 + (id % 3), addedAt: new Date()});
      if (s.cart.items.length > 12) s.cart.items.shift();
    }
    if (id % 17 === 0) { s.flash.push('Added item ' + id); if (s.flash.length > 3) s.flash.shift(); }
    res.status(entry.status).set(entry.headers).send(entry.body);
  };
}
const sections = ['shop', 'blog', 'docs', 'account', 'admin', 'search', 'help', 'api', 'media', 'forum'];
const routesPerSection = 48; // 480 routes in all
const handlers = [];
for (const section of sections) {
  const router = express.Router();
  for (let r = 0; r < routesPerSection; ++r) {
    const name = section + '/r' + r;
    const h = makeHandler(section, r);
    router.get('/r' + r + '/:id', metricsMiddleware(name), h);
    handlers.push({section, route: r, h});
  }
  app.use('/' + section, router);
}
app.use((req, res) => res.status(404).send('not found'));

// ---- phase 1: real requests over loopback (bounded) -------------------------
function driveHttp(port, total, maxMs) {
  return new Promise(resolve => {
    const agent = new http.Agent({keepAlive: true, maxSockets: 8});
    const deadline = Date.now() + maxMs;
    let sent = 0, done = 0, failed = 0;
    const one = () => {
      if (sent >= total || Date.now() > deadline) {
        if (done + failed >= sent) { agent.destroy(); resolve({done, failed}); }
        return;
      }
      const i = sent++;
      const h = handlers[i % handlers.length];
      const sid = 's' + Math.floor(rand() * n(16000));
      const req = http.get({host: '127.0.0.1', port, agent, timeout: 5000,
        path: '/' + h.section + '/r' + h.route + '/' + (i % 997), headers: {cookie: 'sid=' + sid}}, res => {
        res.resume();
        res.on('end', () => { done++; one(); });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { failed++; one(); });
    };
    for (let c = 0; c < 8; ++c) one();
  });
}

// ---- phase 2: the same handlers called directly ----------------------------
function driveDirect(count, maxMs) {
  const session = sessionMiddleware();
  const log = accessLog();
  const deadline = Date.now() + maxMs;
  const res = {statusCode: 200, status(c) { this.statusCode = c; return this; }, set() { return this; }, send() { return this; }, on() {}};
  let i = 0;
  for (; i < count; ++i) {
    if ((i & 1023) === 0 && Date.now() > deadline) break;
    const h = handlers[Math.floor(rand() * handlers.length)];
    const id = Math.floor(400 * rand() ** 3);      // popular pages first: the cache gets hits
    const req = {id: i, method: 'GET', url: '/' + h.section + '/r' + h.route + '/' + id, params: {id: String(id)},
      headers: {cookie: 'sid=s' + Math.floor(rand() * n(16000))}};
    session(req, res, () => {});
    log(req, res, () => {});
    h.h(req, res);
  }
  return i;
}

const server = app.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const t1 = Date.now();
  const r = await driveHttp(port, n(6000), 15000);
  console.error(`make-app-heap.js: ${r.done} requests over 127.0.0.1:${port} (${r.failed} failed) in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const t2 = Date.now();
  const calls = driveDirect(n(540000), 35000);
  console.error(`make-app-heap.js: ${calls} direct handler calls in ${((Date.now() - t2) / 1000).toFixed(1)} s; ` +
    `${state.sessions.size} sessions, ${state.cache.map.size} cached responses (${state.cache.hits} hits, ${state.cache.misses} misses)`);
  global.gc();
  global.gc();
  const t3 = Date.now();
  v8.writeHeapSnapshot(out);     // while the server still listens: its handles are in the heap
  console.error(`make-app-heap.js: snapshot written in ${((Date.now() - t3) / 1000).toFixed(1)} s ` +
    `(${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
  console.log(out);
  server.close();
});
// Nothing outlives a run: give up after 150 s whatever happens.
setTimeout(() => { console.error('make-app-heap.js: gave up after 150 s'); process.exit(1); }, 150000).unref();
