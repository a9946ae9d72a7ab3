// Every validation Error (stack, message, the parsed order) is kept forever.
'use strict';
exports.handle = require('./handler')(0);
