'use strict';
const { enqueue, drain } = require('./webhooks');

module.exports = (maxTries) => {
  setInterval(() => drain(maxTries), 2).unref();
  return function handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      enqueue(Buffer.concat(chunks).toString('utf8'));
      res.end('queued');
    });
  };
};
