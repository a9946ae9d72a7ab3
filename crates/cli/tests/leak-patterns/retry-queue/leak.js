// Failed webhooks are retried forever: the retry queue keeps every body.
'use strict';
exports.handle = require('./handler')(0);
