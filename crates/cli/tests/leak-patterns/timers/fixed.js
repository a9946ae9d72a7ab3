// Twin: the interval is cleared when the response closes.
'use strict';
const { track } = require('./presence');

exports.handle = function handle(req, res) {
  const { presence, timer } = track(req);
  res.on('close', () => clearInterval(timer));
  res.end(`hello ${presence.clientId}`);
};
