// A memoize cache keyed by objects: a Map where a WeakMap was meant.
'use strict';
exports.handle = require('./handler').handle;
