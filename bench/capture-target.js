// The target of bench/capture.sh: a Node process with a heap of a few million
// small objects (records, strings, maps, closures, arrays), ~300 MB at scale 1.
// Prints "ready HEAP_USED_BYTES" on stdout; then, on stdin,
//   write PATH  writes v8.writeHeapSnapshot(PATH) and prints "written SECONDS".
'use strict';
const v8 = require('v8');
const readline = require('readline');

const scale = Number(process.argv[2] || 1);
const n = (k) => Math.round(k * scale);

class Order {
  constructor(i, customer) {
    this.id = i;
    this.ref = 'order-' + i;
    this.customer = customer;
    this.total = i * 1.25;
    this.lines = [i % 7, i % 11, i % 13];
  }
}
const app = (globalThis.app = { customers: new Map(), orders: [], handlers: [], blobs: [] });
for (let i = 0; i < n(300000); i++) {
  app.customers.set('customer:' + i, { name: 'Customer ' + i, tags: ['a' + (i % 50), 'b' + (i % 70)] });
}
for (let i = 0; i < n(1500000); i++) {
  app.orders.push(new Order(i, app.customers.get('customer:' + (i % n(300000)))));
}
for (let i = 0; i < n(200000); i++) {
  const state = { count: i };
  app.handlers.push(() => state.count++);
}
for (let i = 0; i < n(40); i++) {
  app.blobs.push('x'.repeat(1 << 20) + i); // a few large strings
}
global.gc && global.gc();

const commands = readline.createInterface({ input: process.stdin });
commands.on('close', () => process.exit(0));
commands.on('line', (line) => {
  const [command, path] = line.split(' ');
  if (command === 'write') {
    const started = process.hrtime.bigint();
    v8.writeHeapSnapshot(path);
    console.log('written ' + Number(process.hrtime.bigint() - started) / 1e9);
  }
});
setInterval(() => {}, 1000);
console.log('ready ' + v8.getHeapStatistics().used_heap_size);
