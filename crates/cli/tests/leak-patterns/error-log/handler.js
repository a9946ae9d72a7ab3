'use strict';
const { validate, recordError } = require('./validation');

module.exports = (keep) =>
  function handle(req, res) {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const order = JSON.parse(raw);
      try {
        validate(order);
        res.end('accepted');
      } catch (err) {
        recordError(err, keep);
        res.statusCode = 422;
        res.end(err.message);
      }
    });
  };
