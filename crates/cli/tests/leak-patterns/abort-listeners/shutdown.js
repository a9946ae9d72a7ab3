// One AbortController for graceful shutdown; work in flight watches its signal.
'use strict';
const shutdown = new AbortController();
process.once('SIGTERM', () => shutdown.abort());
module.exports = shutdown.signal;
