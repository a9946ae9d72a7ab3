// Twin: the same cache, bounded to 200 pages (oldest evicted first).
'use strict';
const { cachedRender } = require('./render-cache');

exports.handle = function handle(req, res) {
  res.end(cachedRender(req.url, 200));
};
