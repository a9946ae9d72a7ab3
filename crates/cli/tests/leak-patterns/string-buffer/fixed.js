// Twin: flushed every 100 lines.
'use strict';
const { log } = require('./access-log');

exports.handle = function handle(req, res) {
  log(req, 200, 100);
  res.end('ok');
};
