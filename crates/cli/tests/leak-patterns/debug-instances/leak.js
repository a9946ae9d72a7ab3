// debug@4.1.1 keeps every instance in createDebug.instances (to re-apply
// enable()), so debug() called per request leaks one instance each time:
// debug-js/debug#678 "memory leak when instance is created inside a
// function" (fixed by #740, released in 4.2.0).
'use strict';
exports.handle = require('./handler')(require('debug'));
