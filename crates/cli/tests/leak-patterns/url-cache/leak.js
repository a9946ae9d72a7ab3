// A page cache keyed by the full URL, without a bound: every ?ref= is new.
'use strict';
const { cachedRender } = require('./render-cache');

exports.handle = function handle(req, res) {
  res.end(cachedRender(req.url));
};
