// Access log lines buffered in memory and written out in batches.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const file = path.join(os.tmpdir(), `heapscope-access-${process.pid}.log`);
process.on('exit', () => fs.rmSync(file, { force: true }));
let buffer = '';
let lines = 0;

function log(req, status, flushEvery) {
  buffer += `${new Date().toISOString()} ${req.method} ${req.url} ${status} id=${req.headers['x-request-id']} ua="${req.headers['user-agent'] || '-'}" ct=${req.headers['content-type']} len=${req.headers['content-length']} cookie="${req.headers.cookie}" host=${req.headers.host}\n`;
  lines++;
  // meant to flush every 1,000 lines, but `lines` is compared to the byte size
  if (flushEvery ? lines % flushEvery === 0 : buffer.length > 64 * 1024 * 1024) {
    fs.appendFileSync(file, buffer);
    buffer = '';
  }
}
module.exports = { log };
