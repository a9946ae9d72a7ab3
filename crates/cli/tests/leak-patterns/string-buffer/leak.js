// The batch is flushed only past 64 MiB: the long-lived string grows by one
// concatenation per request.
'use strict';
const { log } = require('./access-log');

exports.handle = function handle(req, res) {
  log(req, 200);
  res.end('ok');
};
