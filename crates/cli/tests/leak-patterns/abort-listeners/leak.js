// Each request adds an 'abort' listener to the process-lifetime signal and
// never removes it (EventTarget listeners keep the closure and its request).
'use strict';
const signal = require('./shutdown');

exports.handle = function handle(req, res) {
  const job = { id: req.headers['x-request-id'], url: req.url, cancelled: false };
  signal.addEventListener('abort', function cancelJob() {
    job.cancelled = true;
  });
  res.end(job.id);
};
