'use strict';
const { totals } = require('./pricing');

exports.handle = function handle(req, res) {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const order = JSON.parse(raw);
    res.end(JSON.stringify(totals(order).total));
  });
};
