// Recent request contexts kept "for the debug page".
'use strict';
class RequestContext {
  constructor(req) {
    this.method = req.method;
    this.url = req.url;
    this.headers = { ...req.headers };
    this.started = process.hrtime.bigint();
    this.events = [`start ${req.url}`];
  }
}

const recent = [];
function remember(req, keep) {
  const ctx = new RequestContext(req);
  recent.push(ctx);
  if (keep && recent.length > keep) recent.shift();
  return ctx;
}
module.exports = { RequestContext, remember, recent };
