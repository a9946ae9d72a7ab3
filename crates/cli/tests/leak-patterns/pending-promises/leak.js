// Pending promises that never settle. The handler races the reservation against
// a 5 ms deadline and answers 504, but the reservation itself has no timeout:
// the first 4 hang forever, so p-limit's queue keeps every later task (its
// closure, the order and the promise's resolvers), none of which ever runs.
'use strict';
const { limitedReserve } = require('./inventory');
exports.upstream = require('./upstream').upstream;

const deadline = (ms) => new Promise((resolve) => setTimeout(resolve, ms, 'timeout'));

exports.handle = function handle(req, res) {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', async () => {
    const order = JSON.parse(raw);
    const outcome = await Promise.race([limitedReserve(order), deadline(5)]);
    res.statusCode = outcome === 'timeout' ? 504 : 200;
    res.end(String(outcome));
  });
};
