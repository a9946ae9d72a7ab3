// Twin: the context keeps plain values only (the user id, not the promise).
'use strict';
const { ns } = require('./request-context');

exports.handle = function handle(req, res) {
  ns.run(() => {
    ns.set('requestId', req.headers['x-request-id']);
    ns.set('userId', req.headers['x-request-id']);
    res.end('ok');
  });
};
