'use strict';
// The recommendation service is overloaded: 503 with a JSON error body.
exports.upstream = function upstream(req, res) {
  req.resume();
  res.statusCode = 503;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ error: 'overloaded', retryAfter: 1, detail: 'd'.repeat(64 * 1024) }));
};
