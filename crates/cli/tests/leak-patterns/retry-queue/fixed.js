// Twin: a delivery is dropped (to a dead-letter count) after 3 tries.
'use strict';
exports.handle = require('./handler')(3);
