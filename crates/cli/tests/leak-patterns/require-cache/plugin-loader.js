// Hot reloading of plugins: drop the cached module and require it again.
'use strict';
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, 'plugins/pricing.js');
let loaded = null;
let loadedMtime = 0;

function pricing(onlyWhenChanged) {
  if (onlyWhenChanged && loaded) {
    const mtime = fs.statSync(file).mtimeMs;
    if (mtime === loadedMtime) return loaded;
    loadedMtime = mtime;
  }
  delete require.cache[file];
  loaded = require(file); // a new Module each time; the old one stays in module.children
  return loaded;
}
module.exports = { pricing };
