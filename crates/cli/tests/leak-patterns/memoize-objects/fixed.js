// Twin: the memoized function's cache is a WeakMap (lodash documents
// replacing `memoize.Cache`), so entries go with their order objects.
'use strict';
require('./pricing').totals.cache = new WeakMap();
exports.handle = require('./handler').handle;
