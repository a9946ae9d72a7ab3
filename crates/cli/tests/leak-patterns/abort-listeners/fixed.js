// Twin: the listener is removed when the request is done.
'use strict';
const signal = require('./shutdown');

exports.handle = function handle(req, res) {
  const job = { id: req.headers['x-request-id'], url: req.url, cancelled: false };
  const cancelJob = () => {
    job.cancelled = true;
  };
  signal.addEventListener('abort', cancelJob);
  res.on('close', () => signal.removeEventListener('abort', cancelJob));
  res.end(job.id);
};
