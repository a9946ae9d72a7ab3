// Twin: one shared cache; keys expire after stdTTL.
'use strict';
const { counters } = require('./rate-limits');

exports.handle = function handle(req, res) {
  const cache = counters(true);
  cache.set(req.socket.remoteAddress, { hits: 1, url: req.url });
  res.end('ok');
};
