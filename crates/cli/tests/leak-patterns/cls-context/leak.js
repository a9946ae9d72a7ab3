// cls-hooked@4.2.2: a context holding a Promise is never removed from the
// namespace's _contexts Map (Jeff-Lewis/cls-hooked#66 "Context is not cleared
// if it references a Promise"; see also #11 "Memory leak in `_contexts`").
'use strict';
const { ns, loadUser } = require('./request-context');

exports.handle = function handle(req, res) {
  ns.run(() => {
    ns.set('requestId', req.headers['x-request-id']);
    ns.set('user', loadUser(req.headers['x-request-id'])); // the pending user lookup
    res.end('ok');
  });
};
