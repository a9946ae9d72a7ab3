// A Node process for heapscope's live tests. Usage: node target.js MODE [N]
//   objects N  keep N small objects, then idle
//   grow       keep allocating ~4 MB/s of retained objects
//   idle       allocate nothing
//   site       keep objects allocated by allocateWidgets() every 50 ms for 10 s (for `profile`)
// Prints "ready" on stdout when set up. Commands on stdin, one per line:
//   write PATH   v8.writeHeapSnapshot(PATH), then prints "written PATH"
//   site         allocates one more batch in allocateWidgets(), prints "allocated"
'use strict';
const v8 = require('v8');
const readline = require('readline');

const [mode, countText] = process.argv.slice(2);
globalThis.kept = [];

function allocateWidgets(count) {
  for (let i = 0; i < count; i++) {
    kept.push({ widget: i, label: 'widget-' + i, parts: [i, i + 1, i + 2] });
  }
}

if (mode === 'objects') {
  for (let i = 0; i < Number(countText || 100000); i++) kept.push({ a: i, s: 'x' + i });
} else if (mode === 'grow') {
  setInterval(() => {
    for (let i = 0; i < 2000; i++) kept.push({ n: i, text: 'grow-' + i + '-' + Date.now() });
  }, 50);
} else if (mode === 'site') {
  let batches = 0;
  const timer = setInterval(() => {
    allocateWidgets(2000);
    if (++batches === 200) clearInterval(timer);
  }, 50);
}

const commands = readline.createInterface({ input: process.stdin });
commands.on('close', () => process.exit(0)); // the test that started us is gone
commands.on('line', (line) => {
  const [command, arg] = line.split(' ');
  if (command === 'write') {
    v8.writeHeapSnapshot(arg);
    console.log('written ' + arg);
  } else if (command === 'site') {
    allocateWidgets(20000);
    console.log('allocated');
  }
});
setInterval(() => {}, 1000);
console.log('ready');
