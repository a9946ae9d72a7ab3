// Common Node leak mechanisms the scenarios do not show, one per run, to check
// that `heapscope leaks` finds them by mechanism (not by class name):
//   node app.js PATTERN OUT_DIR
// simulates requests in three rounds and writes s1/s2/s3.heapsnapshot.
// Patterns: listeners, timers, url-cache, module-array, late-array (empty in S1),
// small-timers (a small but regular growth),
// bounded-cache (control).
'use strict';
const v8 = require('v8');
const path = require('path');
const { EventEmitter } = require('events');

const [pattern, outDir] = process.argv.slice(2);
const ROUND = 400;

class Request {
  constructor(i) {
    this.url = `/posts/${i}?utm=${'x'.repeat(i % 7)}`;
    this.headers = { host: 'example.test', 'user-agent': `agent-${i}` };
    this.body = Buffer.alloc(512, i % 251);
  }
}

// A process-wide emitter that every request subscribes to and never leaves.
const config = new EventEmitter();
config.setMaxListeners(0);
// Connections whose keep-alive timer is never cleared.
class Connection {
  constructor(req) {
    this.req = req;
    this.opened = Date.now();
  }
}
// A cache keyed by full URL (query strings make every key new).
const pageCache = new Map();
// Request contexts pushed to a module-level array "for debugging".
const recentContexts = [];
class RequestContext {
  constructor(req) {
    this.req = req;
    this.started = process.hrtime.bigint();
    this.log = [`start ${req.url}`];
  }
}
// One small timer every other request, kept in a module array (208 B each).
const reminders = [];
function remind() {}
// Audit records queued only after start-up: the array is empty in S1.
const pendingAudits = [];
// Control: a cache that evicts beyond a fixed size.
const bounded = new Map();

function handle(i) {
  const req = new Request(i);
  switch (pattern) {
    case 'listeners':
      config.on('change', function onConfigChange() {
        return req.url;
      });
      break;
    case 'timers': {
      const conn = new Connection(req);
      setInterval(function keepAlive() {
        conn.opened += 0;
      }, 3_600_000);
      break;
    }
    case 'url-cache':
      pageCache.set(req.url, `<html>${req.url}${'.'.repeat(200)}</html>`);
      break;
    case 'module-array':
      recentContexts.push(new RequestContext(req));
      break;
    case 'small-timers':
      if (i % 2 === 0) reminders.push(setTimeout(remind, 3_600_000));
      break;
    case 'late-array':
      if (i >= ROUND) pendingAudits.push({ id: i, values: new Array(30).fill(i) });
      break;
    case 'bounded-cache':
      bounded.set(i % 100, new RequestContext(req));
      break;
    default:
      throw new Error(`unknown pattern ${pattern}`);
  }
}

// A server's module scope lives on in its listeners and timers, not only on
// the stack of the code running while a snapshot is written (what only the
// stack holds is transient, never a leak): an exit listener keeps it here.
process.on('exit', () => handle);

let next = 0;
function round(n) {
  for (let k = 0; k < n; k++) handle(next++);
}
function snapshot(name) {
  global.gc && global.gc();
  v8.writeHeapSnapshot(path.join(outDir, `${name}.heapsnapshot`));
}

round(ROUND); // warm-up: caches and code settle
snapshot('s1');
round(ROUND);
snapshot('s2');
round(ROUND);
snapshot('s3');
process.exit(0);
