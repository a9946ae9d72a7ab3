// Twin: the error log keeps the last 100 errors.
'use strict';
exports.handle = require('./handler')(100);
