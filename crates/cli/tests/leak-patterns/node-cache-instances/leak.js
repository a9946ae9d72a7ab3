// node-cache@5.1.2: every NodeCache runs a check timer until close(); caches
// made per request and dropped are never collected (node-cache/node-cache#116
// "Delete NodeCache object itself", lhkbob/eve-swagger-js#48).
'use strict';
const { counters } = require('./rate-limits');

exports.handle = function handle(req, res) {
  const cache = counters(false);
  cache.set(req.socket.remoteAddress, { hits: 1, url: req.url });
  res.end('ok');
};
