// Twin: the upstream call itself times out (2 ms), so every task settles and
// frees its slot.
'use strict';
const { limitedReserve } = require('./inventory');
exports.upstream = require('./upstream').upstream;

exports.handle = function handle(req, res) {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', async () => {
    const order = JSON.parse(raw);
    try {
      res.end(String(await limitedReserve(order, 2)));
    } catch (err) {
      res.statusCode = 504;
      res.end(err.message);
    }
  });
};
