// Inventory reservations go through a concurrency limiter (p-limit) to an
// upstream service that sometimes hangs without answering.
'use strict';
const http = require('http');
const pLimit = require('p-limit');

const limit = pLimit(4);

function reserve(order, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${process.env.UPSTREAM}/reserve/${order.order}`, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error('upstream timeout')));
    req.on('error', reject);
    req.end(JSON.stringify(order.items));
  });
}

const limitedReserve = (order, timeoutMs) => limit(() => reserve(order, timeoutMs));
module.exports = { limitedReserve };
