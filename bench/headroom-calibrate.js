// Calibrates heapscope's headroom model: how much a Node process's RSS grows
// while V8 writes a heap snapshot, per object, for heaps of objects of several
// sizes. Run: node --expose-gc bench/headroom-calibrate.js KIND COUNT
// Prints one JSON line. Kinds: obj1 ({a}), obj8 (8 fields), str (short strings),
// arr (small arrays), all held in one big array; obj1c and obj8c: the same
// objects held in arrays of 1000 (a more usual shape: one huge array costs
// about 1 kB more per element); f64 (a few big Float64Arrays) and numarr
// (a few big arrays of doubles): large-object space.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const v8 = require('v8');

const [kind, countText] = process.argv.slice(2);
const count = Number(countText || 1e6);
const keep = [];
const makers = {
  obj1: (i) => ({ a: i }),
  obj8: (i) => ({ a: i, b: i, c: i, d: i, e: i, f: i, g: i, h: i }),
  str: (i) => 'item-' + i,
  arr: (i) => [i, i + 1, i + 2],
};
if (kind === 'f64') {
  for (let i = 0; i < count; i++) keep.push(new Float64Array(4 << 20));
} else if (kind === 'numarr') {
  for (let i = 0; i < count; i++) keep.push(new Array(4 << 20).fill(1.5));
} else if (kind.endsWith('c') && makers[kind.slice(0, -1)]) {
  const make = makers[kind.slice(0, -1)];
  let group = [];
  for (let i = 0; i < count; i++) {
    if (group.length === 1000) {
      keep.push(group);
      group = [];
    }
    group.push(make(i));
  }
  keep.push(group);
} else {
  const make = makers[kind];
  if (!make) throw new Error('unknown kind ' + kind);
  for (let i = 0; i < count; i++) keep.push(make(i));
}
globalThis.keep = keep;
global.gc();
global.gc();

function statusKb(field) {
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp('^' + field + ':\\s+(\\d+)', 'm'));
  return m ? Number(m[1]) * 1024 : 0;
}
let small = 0;
let large = 0;
for (const s of v8.getHeapSpaceStatistics()) {
  if (s.space_name.includes('large_object')) large += s.space_used_size;
  else small += s.space_used_size;
}
const rssBefore = statusKb('VmRSS');
fs.writeFileSync('/proc/self/clear_refs', '5'); // reset VmHWM to the current RSS
const file = path.join(os.tmpdir(), `calibrate-${process.pid}.heapsnapshot`);
const t0 = Date.now();
v8.writeHeapSnapshot(file);
const seconds = (Date.now() - t0) / 1000;
const peak = statusKb('VmHWM');
const fileSize = fs.statSync(file).size;
const head = Buffer.alloc(4000);
const fd = fs.openSync(file, 'r');
fs.readSync(fd, head, 0, head.length, 0);
fs.closeSync(fd);
const text = head.toString();
fs.unlinkSync(file);
const nodeCount = Number((text.match(/"node_count":(\d+)/) || [])[1]);
const edgeCount = Number((text.match(/"edge_count":(\d+)/) || [])[1]);
const growth = peak - rssBefore;
console.log(JSON.stringify({
  kind, count, small_space_bytes: small, large_space_bytes: large,
  node_count: nodeCount, edge_count: edgeCount, snapshot_bytes: fileSize,
  rss_before: rssBefore, peak_rss: peak, growth, seconds,
  growth_per_node: +(growth / nodeCount).toFixed(1),
  growth_per_small_byte: +(growth / small).toFixed(2),
  small_bytes_per_node: +(small / nodeCount).toFixed(1),
}));
