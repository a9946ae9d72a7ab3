// Per-client rate-limit counters in node-cache.
'use strict';
const NodeCache = require('node-cache');

function counters(shared) {
  if (shared) return (counters.shared ??= new NodeCache({ stdTTL: 60 }));
  // a cache per request "so that counters expire on their own": each instance
  // starts its checkperiod timer (600 s by default), which keeps it alive
  return new NodeCache({ stdTTL: 60 });
}
module.exports = { counters };
