'use strict';
exports.upstream = function upstream(req, res) {
  req.resume();
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ sku: req.url, stock: 3 }));
};
