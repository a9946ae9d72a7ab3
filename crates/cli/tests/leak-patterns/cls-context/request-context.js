// Request-scoped context with cls-hooked (continuation-local storage).
'use strict';
const cls = require('cls-hooked');

const ns = cls.createNamespace('request');

function loadUser(id) {
  return Promise.resolve({ id, roles: ['buyer'], profile: 'p'.repeat(64) });
}
module.exports = { ns, loadUser };
