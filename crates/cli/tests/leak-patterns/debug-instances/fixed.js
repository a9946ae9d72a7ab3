// Twin: the same code on debug@4.3.4, which no longer tracks instances.
'use strict';
exports.handle = require('./handler')(require('debug-fixed'));
