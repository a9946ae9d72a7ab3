// Every request reloads the plugin "to pick up edits".
'use strict';
const { pricing } = require('./plugin-loader');

exports.handle = function handle(req, res) {
  res.end(String(pricing().price(req.url)));
};
