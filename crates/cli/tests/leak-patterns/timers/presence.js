// Presence tracking: a heartbeat per connected client.
'use strict';
class Presence {
  constructor(clientId, url) {
    this.clientId = clientId;
    this.url = url;
    this.lastSeen = Date.now();
  }
}

function track(req) {
  const presence = new Presence(req.headers['x-request-id'], req.url);
  const timer = setInterval(function heartbeat() {
    presence.lastSeen = Date.now();
  }, 3_600_000);
  return { presence, timer };
}
module.exports = { Presence, track };
