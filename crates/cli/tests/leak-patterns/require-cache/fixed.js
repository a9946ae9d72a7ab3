// Twin: reloaded only when the file changed on disk.
'use strict';
const { pricing } = require('./plugin-loader');

exports.handle = function handle(req, res) {
  res.end(String(pricing(true).price(req.url)));
};
