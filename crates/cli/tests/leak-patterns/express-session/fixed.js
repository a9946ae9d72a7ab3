// Twin: saveUninitialized: false, so untouched sessions are not stored.
'use strict';
exports.handle = require('./handler')(require('./sessions')(false));
