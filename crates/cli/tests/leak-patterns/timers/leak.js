// The heartbeat interval is never cleared when the client goes away.
'use strict';
const { track } = require('./presence');

exports.handle = function handle(req, res) {
  const { presence } = track(req);
  res.end(`hello ${presence.clientId}`);
};
