// Every request context is pushed to a module-level array and never dropped.
'use strict';
const { remember } = require('./request-log');

exports.handle = function handle(req, res) {
  const ctx = remember(req);
  ctx.events.push('done');
  res.end('ok');
};
